/**
 * {@code edgewise budget-bench}: {@link BudgetBenchCommand} runs MDInference's experiment end to end on loopback
 * ({@link BudgetLoopback}: a serve server in-process answering a model group under time budgets, EdgewiseClients with
 * the on-device fallback behind emulated links) or, with --simulate, sampled ({@link BudgetSimulation}: a model group's
 * variants measured on every test sample, a simulated link, {@code io.edgewise.adapt}'s TimeBudgetRule against static
 * and greedy choices, with and without an on-device fallback). May import: {@code io.edgewise},
 * {@code io.edgewise.runtime}, {@code io.edgewise.tensor}, {@code io.edgewise.train}, {@code io.edgewise.adapt},
 * {@code io.edgewise.serve} (client, common, http, peer), {@code io.edgewise.bench.select} and
 * {@code io.edgewise.cli}; picocli and Jackson.
 */
package io.edgewise.bench.budget;

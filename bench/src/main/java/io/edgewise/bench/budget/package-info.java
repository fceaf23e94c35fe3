/**
 * {@code edgewise budget-bench}: {@link BudgetBenchCommand} runs MDInference's experiment ({@link BudgetSimulation}:
 * a model group's variants measured on every test sample, a simulated link, {@code io.edgewise.adapt}'s
 * TimeBudgetRule against static and greedy choices, with and without an on-device fallback). May import:
 * {@code io.edgewise.adapt}, {@code io.edgewise.bench.select} and {@code io.edgewise.cli}; picocli and Jackson.
 */
package io.edgewise.bench.budget;

/**
 * {@link EdgewiseClient}: a client of the Open Inference Protocol over HTTP/1.1 (java.net.http, pooled keep-alive
 * connections, a timeout on every request) for any KServe v2 server, which also opens a peer-protocol connection;
 * {@link RemoteException} carries a server's error status and message; {@link BudgetedCall} gives a request a time
 * budget with an on-device fallback, which {@code EdgewiseClient.infer(group, inputs, budgetMs, fallback, mode)} uses
 * with a {@link LocalFallback} and the client's measured {@link NetworkEstimate}, and {@link BudgetedSplit} with the
 * split/peer client ({@code SplitInference}); {@code BudgetDecision} is their rule. May import: {@code io.edgewise},
 * {@code io.edgewise.tensor}, {@code io.edgewise.runtime}, {@code io.edgewise.runtime.split},
 * {@code io.edgewise.adapt}, {@code io.edgewise.serve.http} and {@code io.edgewise.serve.peer}; Jackson (core,
 * databind).
 */
package io.edgewise.serve.client;

/**
 * {@code edgewise serve-bench}: {@link ServeBenchCommand} starts the HTTP server in this process on loopback and runs
 * closed-loop clients at each concurrency, printing measured throughput, p50 and p99 latency and errors. May import:
 * {@code io.edgewise}, {@code io.edgewise.tensor}, {@code io.edgewise.runtime}, {@code io.edgewise.serve.common},
 * {@code io.edgewise.serve.http}, {@code io.edgewise.serve.client} and {@code io.edgewise.cli}; picocli and
 * HdrHistogram.
 */
package io.edgewise.bench.serve;

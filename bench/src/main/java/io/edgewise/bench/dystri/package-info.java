/**
 * {@code edgewise dystri-bench}: {@link io.edgewise.bench.dystri.DystriBenchCommand} starts several Dystri nodes and a
 * coordinator ({@code io.edgewise.serve.dystri}) on loopback in this process, replays users with deadlines and
 * accuracy wants against each routing policy ({@link io.edgewise.bench.dystri.DystriExperiment}), optionally killing
 * a node mid-run, and reports deadline misses, accuracy, p99 latency and per-user fairness. May import: {@code
 * io.edgewise}, {@code io.edgewise.tensor}, {@code io.edgewise.runtime}, {@code io.edgewise.train}, {@code
 * io.edgewise.adapt.dystri}, {@code io.edgewise.serve.dystri}, {@code io.edgewise.serve.peer}, {@code
 * io.edgewise.bench.select} and {@code io.edgewise.cli}; picocli.
 */
package io.edgewise.bench.dystri;

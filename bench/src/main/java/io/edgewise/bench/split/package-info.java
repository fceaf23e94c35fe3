/**
 * {@code edgewise split-bench}: {@link SplitBenchCommand} runs the ANS experiment (a device and a peer in this process
 * over an emulated link whose bandwidth and latency change phase by phase; partition policies against the per-phase
 * oracle) and plots the arm each policy chose. May import: {@code io.edgewise}, {@code io.edgewise.tensor},
 * {@code io.edgewise.model}, {@code io.edgewise.model.onnx}, {@code io.edgewise.runtime},
 * {@code io.edgewise.runtime.split}, {@code io.edgewise.adapt}, {@code io.edgewise.serve.peer} and
 * {@code io.edgewise.cli}; picocli and XChart.
 */
package io.edgewise.bench.split;

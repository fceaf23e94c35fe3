/**
 * {@code edgewise reuse bench}: {@link ReuseBenchCommand} runs {@link ReuseBenchmark}, a {@link CorrelatedStream} (a
 * camera-like stream over labelled images) without and with the reuse store; every figure is measured. May import:
 * {@code io.edgewise}, {@code io.edgewise.tensor}, {@code io.edgewise.model}, {@code io.edgewise.model.onnx},
 * {@code io.edgewise.runtime}, {@code io.edgewise.reuse}, {@code io.edgewise.train} and {@code io.edgewise.cli};
 * picocli and XChart.
 */
package io.edgewise.bench.reuse;

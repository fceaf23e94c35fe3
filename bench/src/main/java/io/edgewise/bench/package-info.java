/**
 * Benchmarks and experiment drivers: JMH benchmarks of the native and OpenCL convolution kernels
 * ({@link ConvKernelBench}, {@link ConvTrainingBench}, {@link OpenClConvBench}, run by {@link KernelBenchMain}), model
 * generators ({@link NetworkModels}, {@link PatternModels}), and {@link BenchCommands}, the SubcommandProvider that
 * adds split-bench, serve-bench, shape-bench, cosched-bench and reuse bench from the {@code bench.*} packages. May
 * import: {@code io.edgewise.tensor}, {@code io.edgewise.nativecore}, {@code io.edgewise.model},
 * {@code io.edgewise.model.onnx}, {@code io.edgewise.backend.opencl}, {@code io.edgewise.cli},
 * {@code io.edgewise.bench.split}, {@code io.edgewise.bench.serve}, {@code io.edgewise.bench.cosched} and
 * {@code io.edgewise.bench.reuse}; JMH ({@code org.openjdk.jmh}).
 */
package io.edgewise.bench;

/**
 * The {@code cpu} device: {@link CpuBackend} runs Conv, FusedConv, Gemm, MatMul and the int8 ops on the native core's
 * vectorized, multithreaded kernels (packed GEMM with run-time ISA dispatch, NCHWc convolution, weights packed once per
 * session), overlaid on the reference registry, so every other op, and every case a native kernel declines, runs on the
 * reference kernel of the same node; {@link CpuDeviceProvider} registers it and {@link NativeActivation} maps a fused
 * activation to the native epilogue. May import: {@code io.edgewise.tensor}, {@code io.edgewise.nativecore},
 * {@code io.edgewise.model}, {@code io.edgewise.model.passes}, {@code io.edgewise.backend},
 * {@code io.edgewise.backend.exec}, {@code io.edgewise.backend.reference} and
 * {@code io.edgewise.backend.reference.ops}; SLF4J.
 */
package io.edgewise.backend.cpu;

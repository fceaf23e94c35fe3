package io.edgewise.backend;

/**
 * Settings a backend honours when compiling.
 *
 * @param threads intra-op threads; 0 means the backend's default (all cores)
 * @param refGemm the GEMM the reference kernels use for float32 Conv, Gemm and MatMul instead of their plain-Java
 *     loop in double; null (the default) keeps them plain Java, as an oracle must be. A session sets it only when
 *     asked ({@code SessionOptions.withRefNativeGemm(true)}); the cpu device lends its native sgemm to the
 *     reference kernels it falls back to.
 * @param profileNodes measure each node's time even where that costs the device something (opencl: a wait and a
 *     profiling event per kernel), so that {@link Executable#profile()} is not null; the placement planner's
 *     calibration asks for it. Devices whose interpreter always times nodes (ref, cpu, fpga) ignore it.
 */
public record BackendOptions(int threads, FloatGemm refGemm, boolean profileNodes) {
  public BackendOptions(int threads, FloatGemm refGemm) {
    this(threads, refGemm, false);
  }

  public static BackendOptions defaults() {
    return new BackendOptions(0, null, false);
  }

  public BackendOptions withThreads(int t) {
    return new BackendOptions(t, refGemm, profileNodes);
  }

  public BackendOptions withRefGemm(FloatGemm g) {
    return new BackendOptions(threads, g, profileNodes);
  }

  public BackendOptions withProfileNodes(boolean p) {
    return new BackendOptions(threads, refGemm, p);
  }
}

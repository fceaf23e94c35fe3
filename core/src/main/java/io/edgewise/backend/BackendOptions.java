package io.edgewise.backend;

/**
 * Settings a backend honours when compiling.
 *
 * @param threads intra-op threads; 0 means the backend's default (all cores)
 * @param refGemm the GEMM the reference kernels use for float32 Conv, Gemm and MatMul instead of their plain-Java
 *     loop in double; null (the default) keeps them plain Java, as an oracle must be. A session sets it only when
 *     asked ({@code SessionOptions.withRefNativeGemm(true)}); the cpu device lends its native sgemm to the
 *     reference kernels it falls back to.
 */
public record BackendOptions(int threads, FloatGemm refGemm) {
  public static BackendOptions defaults() {
    return new BackendOptions(0, null);
  }

  public BackendOptions withThreads(int t) {
    return new BackendOptions(t, refGemm);
  }

  public BackendOptions withRefGemm(FloatGemm g) {
    return new BackendOptions(threads, g);
  }
}

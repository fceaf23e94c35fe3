package io.edgewise.backend.cpu;

import io.edgewise.backend.FloatGemm;
import io.edgewise.nativecore.NativeCore;
import java.util.concurrent.atomic.LongAdder;

/**
 * The native core's sgemm as a {@link FloatGemm}: the reference kernels' fast path, which they take only when
 * BackendOptions.refGemm is set (SessionOptions.withRefNativeGemm(true), or the cpu device's fallbacks). The
 * reference package itself never touches the native core, so by default the oracle is plain Java.
 */
public final class NativeGemm implements FloatGemm {
  public static final NativeGemm INSTANCE = new NativeGemm();
  private static final LongAdder CALLS = new LongAdder();

  private NativeGemm() {}

  @Override
  public void multiply(int m, int n, int k, float[] a, float[] b, float[] c) {
    CALLS.increment();
    NativeCore.sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
  }

  /** How many products it has computed in this process (the tests check that the oracle never comes here). */
  public static long calls() {
    return CALLS.sum();
  }
}

package io.edgewise.nativecore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Build -> load -> call: the JavaCPP-bridged native GEMM against a plain-Java triple loop in double. */
class NativeCoreTest {
  @Test
  void reportsAnIsa() {
    assertTrue(List.of("avx512", "avx2", "neon", "scalar").contains(NativeCore.isa()), NativeCore.isa());
  }

  @Test
  void sgemmMatchesPlainJavaOnOddShapes() {
    Random rnd = new Random(42);
    int[][] shapes = {{1, 1, 1}, {3, 5, 7}, {17, 33, 65}, {64, 200, 147}};
    for (int[] s : shapes) {
      for (int variant = 0; variant < 4; variant++) {
        boolean ta = (variant & 1) != 0;
        boolean tb = (variant & 2) != 0;
        int m = s[0];
        int n = s[1];
        int k = s[2];
        float[] a = random(rnd, m * k);
        float[] b = random(rnd, k * n);
        float[] c = random(rnd, m * n);
        float[] c0 = c.clone();
        NativeCore.sgemm(ta, tb, m, n, k, 0.75f, a, ta ? m : k, b, tb ? k : n, 0.5f, c, n);
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            double acc = 0;
            for (int p = 0; p < k; p++) {
              acc += (double) (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
            }
            double expected = 0.75 * acc + 0.5 * c0[i * n + j];
            assertEquals(expected, c[i * n + j], 1e-4 * (1 + Math.sqrt(k)), "M=" + m + " N=" + n + " K=" + k);
          }
        }
      }
    }
  }

  @Test
  void badArgumentsBecomeExceptionsNotCrashes() {
    float[] one = new float[1];
    EdgewiseException e = assertThrows(EdgewiseException.class,
        () -> NativeCore.sgemm(false, false, 2, 2, 2, 1f, one, 1, one, 2, 0f, new float[4], 2));
    assertEquals(EdgewiseException.ErrorCode.INVALID_ARGUMENT, e.code());
  }

  @Test
  void nativeFailuresNameTheCallAndItsGeometry() {
    // the message is built only when the call fails (not on every run): it must still say what failed
    long[] strideZero = {1, 16, 4, 4, 16, 4, 4, 3, 3, 0, 1, 1, 1, 1, 1, 1};
    EdgewiseException e = assertThrows(EdgewiseException.class,
        () -> NativeCore.nchwcConv2d(strideZero, true, 0, 0f, 0f, 0, 0, 0, 0, 0));
    assertEquals(EdgewiseException.ErrorCode.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().contains("ew_nchwc_conv2d[1, 16, 4, 4, 16, 4, 4, 3, 3, 0, 1"), e.getMessage());
    EdgewiseException gemm = assertThrows(EdgewiseException.class,
        () -> NativeCore.sgemm(false, false, 2, -1, 2, 1f, 0, 2, 0, 2, 0f, 0, 2));
    assertTrue(gemm.getMessage().contains("ew_sgemm(M=2, N=-1, K=2)"), gemm.getMessage());
  }

  @Test
  void allocationIsAlignedAndAccounted() {
    long before = NativeCore.allocatedBytes();
    long p = NativeCore.allocate(100);
    assertEquals(0, p % 64);
    assertEquals(before + 100, NativeCore.allocatedBytes());
    NativeCore.free(p);
    assertEquals(before, NativeCore.allocatedBytes());
  }

  private static float[] random(Random rnd, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = rnd.nextFloat() * 2 - 1;
    }
    return out;
  }
}

package io.edgewise.runtime.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The transfer probe's line through its sizes' medians ({@link Calibrator#fit}), worked out by hand; no timing (the
 * probe's runs themselves are timed by {@code edgewise plan}, see docs/devices.md).
 */
class TransferFitTest {
  private static final double MB = 1 << 20;

  /** On a line (0.2 ms a call each way, 2 ms per MB): both figures back exactly. */
  @Test
  void aLineComesBackExactly() {
    double[] bytes = {2048, 131072, 2 * MB, 8 * MB};
    double[] ms = new double[4];
    for (int i = 0; i < 4; i++) {
      ms[i] = 0.4 + 2 * bytes[i] / MB;
    }
    ProfileDb.Transfer t = Calibrator.fit(bytes, ms);
    assertEquals(0.2, t.callMs(), 1e-12);
    assertEquals(2 / MB, t.perByteMs(), 1e-15);
  }

  /**
   * One size spoiled (a slow stretch): sizes of 0, 1, 2 and 8 MB moved at 1 ms per MB and 0.4 ms a call, the 2 MB
   * size's median 10 ms too high: ms 0.4, 1.4, 12.4, 8.4. Slopes per MB: 1, 6, 1 (0-1, 0-2, 0-8), 11 (1-2), 1 (1-8),
   * -0.667 (2-8);
   * sorted -0.667, 1, 1, 1, 6, 11: median 1 ms per MB, the true slope; what is left per size 0.4, 0.4, 10.4, 0.4:
   * median 0.4, half of it a call. Two sizes, as the probe had before, would have given 6 ms per MB.
   */
  @Test
  void oneSpoiledSizeDoesNotMoveTheLine() {
    double[] bytes = {0, MB, 2 * MB, 8 * MB};
    double[] ms = {0.4, 1.4, 12.4, 8.4};
    ProfileDb.Transfer t = Calibrator.fit(bytes, ms);
    assertEquals(1 / MB, t.perByteMs(), 1e-15);
    assertEquals(0.2, t.callMs(), 1e-12);
  }

  /** Faster at a larger size (noise): no negative cost per byte, and the call cost is what is left. */
  @Test
  void neverBelowZero() {
    ProfileDb.Transfer t = Calibrator.fit(new double[] {0, MB, 2 * MB}, new double[] {1.0, 0.8, 0.6});
    assertEquals(0, t.perByteMs(), 0);
    assertEquals(0.4, t.callMs(), 1e-12);
  }
}

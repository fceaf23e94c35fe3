package io.edgewise.serve.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import org.junit.jupiter.api.Test;

/** The measured network estimate against hand-computed values. */
class NetworkEstimateTest {
  @Test
  void requestsOfOneSizeGiveTheMovingAverageAndNoBandwidth() {
    NetworkEstimate n = new NetworkEstimate(0.2);
    assertTrue(Double.isNaN(n.estimateMs()));
    n.add(100, 1000);
    assertEquals(100, n.estimateMs(), 1e-12);
    n.add(50, 1000);
    // 0.8 * 100 + 0.2 * 50 = 90
    assertEquals(90, n.estimateMs(), 1e-12);
    n.add(10, 1000);
    // 0.8 * 90 + 0.2 * 10 = 74
    assertEquals(74, n.estimateMs(), 1e-12);
    assertEquals(74, n.latencyMs(), 1e-12);
    assertTrue(Double.isNaN(n.bandwidthMbps()), "one size cannot tell the bandwidth");
    assertEquals(3, n.count());
  }

  @Test
  void requestsOfDifferentSizesSeparateDelayFromBandwidth() {
    // 20 ms plus 1 ms per 1250 bytes: 10 Mbit/s
    NetworkEstimate n = new NetworkEstimate(0.2);
    long[] sizes = {1000, 50_000, 200_000, 5_000, 125_000, 80_000};
    for (long b : sizes) {
      n.add(20 + b / 1250.0, b);
    }
    assertEquals(20, n.latencyMs(), 1e-6);
    assertEquals(10, n.bandwidthMbps(), 1e-6);
    assertEquals(20 + 400_000 / 1250.0, n.estimateMs(400_000), 1e-6);
    // the estimate for a request the size of the last one
    assertEquals(20 + 80_000 / 1250.0, n.estimateMs(), 1e-6);
  }

  @Test
  void badObservationsAreIgnoredAndBadWeightsRefused() {
    NetworkEstimate n = new NetworkEstimate(1);
    n.add(Double.NaN, 10);
    n.add(5, -1);
    assertEquals(0, n.count());
    n.add(-3, 10);  // clock noise: a server time a little over the round trip
    assertEquals(0, n.estimateMs(), 0);
    assertThrows(EdgewiseException.class, () -> new NetworkEstimate(0));
    assertThrows(EdgewiseException.class, () -> new NetworkEstimate(1.5));
  }
}

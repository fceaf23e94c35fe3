package io.edgewise.adapt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The selector's features by hand, and learning from QoE feedback on two device classes whose best variant differs:
 * big (accuracy 0.98, 1 ms on the reference) and small (0.90, 0.2 ms), users tolerating 5 ms, penalty 0.5.
 * Fast device (speed 1): big takes 1 ms, QoE 0.98 > small's 0.90: big. Slow device (speed 0.1): big takes 10 ms,
 * QoE 0.98 - 0.5 * (10/5 - 1) = 0.48; small takes 2 ms, QoE 0.90: small.
 */
class ModelSelectorTest {
  private static final List<ModelSelector.Variant> VARIANTS = List.of(
      new ModelSelector.Variant("big", 2e6, 40_000, 0.98, 1.0),
      new ModelSelector.Variant("small", 4e5, 8_000, 0.90, 0.2));
  private static final ModelSelector.Device FAST = new ModelSelector.Device(1.0, 1 << 20, 4);
  private static final ModelSelector.Device SLOW = new ModelSelector.Device(0.1, 1 << 20, 1);
  private static final Qoe QOE = new Qoe(0.5);

  @Test
  void qoeIsAccuracyLessTheLatencyOvershootPenalty() {
    assertEquals(0.98, QOE.of(0.98, 4, 5), 1e-12);
    assertEquals(0.48, QOE.of(0.98, 10, 5), 1e-12);
    assertEquals(-0.5, QOE.of(0, 15, 7.5), 1e-12);
    assertThrows(EdgewiseException.class, () -> QOE.of(1, 1, 0));
  }

  @Test
  void featuresAreAccuracyAndTheLatencyRatioInAHingeBasis() {
    ModelSelector s = new ModelSelector(VARIANTS, LinearBandit.linUcb(ModelSelector.dimension(), 1));
    // big on the slow device: 10 ms over 5 ms tolerated, r = 2
    double[] x = s.features(SLOW, 5, 0);
    double[] expected = new double[ModelSelector.dimension()];
    expected[0] = 1;
    expected[1] = 0.98;
    expected[2] = 1.0;  // min(r, 1)
    for (int k = 0; k < ModelSelector.KNOTS.length; k++) {
      expected[3 + k] = Math.max(0, 2 - ModelSelector.KNOTS[k]);
    }
    assertArrayEquals(expected, x, 1e-12);
    assertEquals(10, s.estimatedLatencyMs(SLOW, 0), 1e-12);
  }

  @Test
  void variantsThatDoNotFitInMemoryAreNotOffered() {
    ModelSelector s = new ModelSelector(VARIANTS, LinearBandit.linUcb(ModelSelector.dimension(), 1));
    ModelSelector.Device tiny = new ModelSelector.Device(1, 10_000, 1);
    assertEquals(List.of(1), s.feasible(tiny));
    for (int i = 0; i < 20; i++) {
      assertEquals(1, s.choose(tiny, 5).variant());
    }
    assertThrows(EdgewiseException.class, () -> s.choose(new ModelSelector.Device(1, 100, 1), 5));
  }

  @Test
  void feedbackTeachesEachDeviceClassItsBestVariant() {
    for (LinearBandit bandit : new LinearBandit[] {
        LinearBandit.linUcb(ModelSelector.dimension(), 0.3),
        LinearBandit.thompson(ModelSelector.dimension(), 0.05, 11)}) {
      ModelSelector s = new ModelSelector(VARIANTS, bandit);
      Random r = new Random(1);
      int right = 0;
      int rounds = 2000;
      for (int i = 0; i < rounds; i++) {
        boolean slow = r.nextBoolean();
        ModelSelector.Device d = slow ? SLOW : FAST;
        ModelSelector.Choice c = s.choose(d, 5);
        double correct = r.nextDouble() < VARIANTS.get(c.variant()).accuracy() ? 1 : 0;
        s.feedback(c, QOE.of(correct, c.estimatedLatencyMs(), 5));
        if (i >= rounds * 3 / 4 && c.variant() == (slow ? 1 : 0)) {
          right++;
        }
      }
      assertTrue(right >= 0.95 * rounds / 4, bandit.rule() + ": right variant in the last quarter " + right);
    }
  }
}

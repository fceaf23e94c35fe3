package io.edgewise.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The H-kNN vote and the calibration against hand-computed cases. */
class HknnRuleTest {
  @TempDir
  Path dir;

  private static Neighbour n(long id, double d, int label) {
    return new Neighbour(id, d, label, "local");
  }

  @Test
  void inverseDistanceVoteWithinTheRadius() {
    // weights 1/1, 1/2, 1/4 (the neighbour at 10 is outside radius 5): label 3 holds 1.25 of 1.75
    List<Neighbour> nb = List.of(n(1, 1, 3), n(2, 2, 7), n(3, 4, 3), n(4, 10, 7));
    HknnRule.Decision d = HknnRule.classify(nb, new HknnRule.Thresholds(5, 0.7));
    assertEquals(3, d.label());
    assertEquals(1.25 / 1.75, d.homogeneity(), 1e-12);
    assertEquals(3, d.voters());
    assertEquals(1, d.entryId(), "the nearest entry with the winning label");
    assertTrue(d.reuse());
    assertFalse(HknnRule.classify(nb, new HknnRule.Thresholds(5, 0.8)).reuse(), "0.714 < 0.8: not homogeneous");
    assertFalse(HknnRule.classify(nb, new HknnRule.Thresholds(0.5, 0.5)).reuse(), "nothing within the radius");
  }

  @Test
  void nonClassificationReusesOnlyWithinTheTightDistance() {
    List<Neighbour> nb = List.of(n(9, 0.05, -1));
    assertTrue(HknnRule.nearestWithin(nb, 10, 0.01).reuse(), "0.05 <= 1% of norm 10");
    assertFalse(HknnRule.nearestWithin(nb, 1, 0.01).reuse(), "0.05 > 1% of norm 1");
  }

  @Test
  void wilsonLowerBoundMatchesHandComputedValues() {
    // 50 of 50: n / (n + z^2) with z = 1.645
    assertEquals(50 / (50 + 1.645 * 1.645), ThresholdCalibrator.wilsonLower(50, 50), 1e-9);
    assertEquals(0, ThresholdCalibrator.wilsonLower(0, 0));
  }

  /**
   * Neighbours within distance 1 carry the true label, farther ones a random one: calibrated to 95%, the radius
   * stays at or below 1 and the decisions it allows meet the target on fresh samples.
   */
  @Test
  void calibrationPicksTheRadiusThatMeetsTheTarget() {
    ThresholdCalibrator c = new ThresholdCalibrator(0.95, 2000, 30);
    SplittableRandom r = new SplittableRandom(11);
    assertEquals(0, c.thresholds().radius(), "no reuse before any sample");
    for (int i = 0; i < 1000; i++) {
      c.add(sample(r), 0);
    }
    HknnRule.Thresholds th = c.recalibrate();
    assertTrue(th.radius() > 0.3 && th.radius() <= 1.05, "radius " + th.radius());
    int reused = 0;
    int right = 0;
    for (int i = 0; i < 2000; i++) {
      HknnRule.Decision d = HknnRule.classify(sample(r), th);
      if (d.reuse()) {
        reused++;
        right += d.label() == 0 ? 1 : 0;
      }
    }
    assertTrue(reused > 500, reused + " reused");
    assertTrue(right >= 0.95 * reused, right + " of " + reused + " right");
    // the window survives a round trip through bytes (as it does through the store)
    ThresholdCalibrator back = new ThresholdCalibrator(0.95, 2000, 30);
    back.restore(c.serialize());
    assertEquals(th, back.thresholds());
  }

  /**
   * A cold start recalibrates every 8 samples until thresholds pass, then every 32: 56 unanimous, right votes pass
   * the 95% Wilson bound (52 needed) at the 56th sample, not at the 64th; once calibrated, the next 8 do not
   * recalibrate (a changed window would show only at the 32nd).
   */
  @Test
  void aColdStartRecalibratesEveryEightSamplesUntilThresholdsPass() {
    ThresholdCalibrator c = new ThresholdCalibrator(0.95, 2000, 30);
    List<Neighbour> right = List.of(n(0, 0.1, 0), n(1, 0.2, 0), n(2, 0.3, 0));
    for (int i = 0; i < 55; i++) {
      c.add(right, 0);
      assertEquals(HknnRule.Thresholds.NEVER, c.thresholds(), "sample " + (i + 1) + ": the bound cannot pass yet");
    }
    c.add(right, 0);
    HknnRule.Thresholds passed = c.thresholds();
    assertTrue(passed.radius() > 0, "the 56th sample recalibrates and passes");
    for (int i = 0; i < 8; i++) {
      c.add(List.of(n(0, 5, 1), n(1, 6, 1)), 0);
    }
    assertEquals(passed, c.thresholds(), "calibrated: the next recalibration waits for 32 samples");
  }

  /** Five neighbours at random distances in [0, 2): label 0 (the truth) within 1, a random one of 0-9 beyond. */
  private static List<Neighbour> sample(SplittableRandom r) {
    double[] d = new double[5];
    for (int i = 0; i < d.length; i++) {
      d[i] = r.nextDouble() * 2;
    }
    java.util.Arrays.sort(d);
    List<Neighbour> nb = new ArrayList<>();
    for (int i = 0; i < d.length; i++) {
      nb.add(n(i, d[i], d[i] <= 1 ? 0 : r.nextInt(10)));
    }
    return nb;
  }

  /** A stored non-classification result is reused for its own feature, not for one 5% of the norm away. */
  @Test
  void tierReusesTensorResultsOnlyWhenVeryClose() {
    try (ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults().withFeatureType(FeatureType.F32))) {
      LocalReuseTier tier = new LocalReuseTier(store, ReuseOptions.defaults());
      float[] f = new float[16];
      java.util.Arrays.fill(f, 1f); // norm 4
      StoredResult boxes = new StoredResult(-1, 0, List.of(new StoredResult.StoredTensor("boxes",
          io.edgewise.tensor.DType.FLOAT32, new long[] {1, 1}, new byte[4])));
      tier.insert(new ReuseQuery("m", "t", f), boxes, 1000, "local");
      assertTrue(tier.lookup(new ReuseQuery("m", "t", f)).isPresent());
      float[] g = f.clone();
      g[0] += 0.2f; // 5% of the norm
      assertTrue(tier.lookup(new ReuseQuery("m", "t", g)).isEmpty());
    }
  }
}

package io.edgewise.serve.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorScope;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The group's choice under budgets, with statistics seeded by hand: "fast" (accuracy 0.90) profiled at 1 ms, "slow"
 * (0.98) at 100 +- 10 ms; both are the digits CNN on ref, so the answer can be checked against a direct run.
 */
class BudgetedGroupTest {
  private static final Path MODEL = TestData.model("digits_cnn_0to9").resolve("model.onnx");

  private static BudgetedGroup group() {
    SessionOptions ref = SessionOptions.defaults().withDevice("ref");
    BudgetedGroup g = new BudgetedGroup("digits", List.of(
        new BudgetedGroup.Member("fast", Session.open(MODEL, ref), 0.90),
        new BudgetedGroup.Member("slow", Session.open(MODEL, ref), 0.98)), 1.0);
    for (double ms : new double[] {1, 1, 1}) {
      g.profile("fast", ms);
    }
    for (double ms : new double[] {90, 100, 110}) {  // mean 100, sample std 10
      g.profile("slow", ms);
    }
    return g;
  }

  private static Map<String, Tensor> input() {
    float[] x = new float[64];
    for (int i = 0; i < 64; i++) {
      x[i] = (i % 9) / 8f;
    }
    return Map.of("input", Tensor.ofFloats(Shape.of(1, 1, 8, 8), x));
  }

  @Test
  void theBudgetLessTheNetworkDecidesAndEveryRunIsMeasured() {
    try (TensorScope scope = TensorScope.open(); BudgetedGroup g = group();
        Session direct = Session.open(MODEL, SessionOptions.defaults().withDevice("ref"))) {
      long far = System.nanoTime() + 3_600_000_000_000L;
      assertEquals(100, g.stats().get(1).meanMs(), 1e-12);
      assertEquals(10, g.stats().get(1).stdMs(), 1e-12);
      // 200 - 80 = 120 >= 100 + 10: slow, the more accurate, fits
      BudgetedGroup.Answer a = g.infer(input(), 200, 80, far);
      assertEquals("slow", a.variant());
      assertTrue(a.eligible());
      assertArrayEquals(direct.run(input()).get("logits").toFloatArray(), a.outputs().get("logits").toFloatArray());
      // slow's real run joined its statistics: four points now, whose mean + std is over 70 whatever the run took
      // (a run under 100 ms widens the spread, one over raises the mean)
      assertTrue(g.stats().get(1).meanMs() != 100, "slow's mean " + g.stats().get(1).meanMs());
      assertTrue(g.stats().get(1).meanMs() + g.stats().get(1).stdMs() > 70);
      // 150 - 80 = 70 < slow's mean + std: fast
      assertEquals("fast", g.infer(input(), 150, 80, far).variant());
      // 50 - 80 < 0: nothing fits, the fastest runs
      BudgetedGroup.Answer late = g.infer(input(), 50, 80, far);
      assertEquals("fast", late.variant());
      assertFalse(late.eligible());
      assertTrue(g.stats().get(0).stdMs() > 0, "fast's three identical profile points had std 0; its runs differ");
      // pinned: slow runs although 50 - 80 cannot hold it, and says it did not fit
      BudgetedGroup.Answer pinned = g.infer(input(), 50, 80, far, "slow");
      assertEquals("slow", pinned.variant());
      assertEquals("ref", pinned.device());
      assertFalse(pinned.eligible());
      assertEquals("[INVALID_ARGUMENT] model group digits has no variant 'medium' (variants: [fast, slow])",
          assertThrows(EdgewiseException.class, () -> g.infer(input(), 50, 80, far, "medium")).getMessage());
    }
  }

  @Test
  void workPastItsDeadlineIsDroppedUnrun() {
    try (TensorScope scope = TensorScope.open(); BudgetedGroup g = group()) {
      assertThrows(BudgetExpiredException.class, () -> g.infer(input(), 200, 0, System.nanoTime() - 1_000_000));
      assertThrows(BudgetExpiredException.class,
          () -> g.infer(input(), 200, 0, System.nanoTime() - 1_000_000, "fast"));
      assertEquals(100, g.stats().get(1).meanMs(), 0, "nothing ran");
      assertTrue(assertThrows(EdgewiseException.class, () -> g.profile("medium", 1)).getMessage()
          .startsWith("[INVALID_ARGUMENT] model group digits has no variant 'medium'"));
    }
  }
}

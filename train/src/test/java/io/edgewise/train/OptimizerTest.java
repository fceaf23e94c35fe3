package io.edgewise.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.edgewise.EdgewiseException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Optimizer steps and schedules against values computed by hand from PyTorch's update rules. */
class OptimizerTest {
  private static Map<String, HeapTensor> one(float v) {
    return Map.of("p", new HeapTensor(new float[] {v}, new int[] {1}));
  }

  private static float run(Optimizer o, float p0, float[] grads, double lr) {
    Map<String, HeapTensor> p = one(p0);
    for (float g : grads) {
      o.step(p, one(g), lr);
    }
    return p.get("p").data()[0];
  }

  @Test
  void plainSgd() {
    assertEquals(1 - 0.1 * 0.5 - 0.1 * 0.25, run(new Sgd(0, false, 0), 1f, new float[] {0.5f, 0.25f}, 0.1), 1e-6);
  }

  @Test
  void sgdMomentumNesterovAndWeightDecay() {
    // momentum 0.9: v1 = g1 = 1, p1 = 2 - 0.1 = 1.9; v2 = 0.9 + 1 = 1.9, p2 = 1.9 - 0.19 = 1.71
    assertEquals(1.71, run(new Sgd(0.9, false, 0), 2f, new float[] {1, 1}, 0.1), 1e-6);
    // Nesterov: step uses g + 0.9 v: step 1 = 1 + 0.9 = 1.9 -> 1.81; v2 = 1.9, step 2 = 1 + 1.71 = 2.71 -> 1.539
    assertEquals(1.539, run(new Sgd(0.9, true, 0), 2f, new float[] {1, 1}, 0.1), 1e-6);
    // weight decay 0.5 on p = 2: g = 1 + 1 = 2, p = 2 - 0.1 * 2 = 1.8
    assertEquals(1.8, run(new Sgd(0, false, 0.5), 2f, new float[] {1}, 0.1), 1e-6);
    assertThrows(EdgewiseException.class, () -> new Sgd(0, true, 0));
  }

  @Test
  void adamFirstStepsAreBiasCorrected() {
    // step 1: m_hat = g, v_hat = g^2, update = lr * g / (|g| + eps) = lr * sign(g)
    assertEquals(1 - 0.01, run(new Adam(), 1f, new float[] {3}, 0.01), 1e-6);
    // step 2 with g = 3 then -1 (beta 0.9 / 0.999): m = 0.9*0.3 - 0.1 = 0.17 -> /0.19; v = 0.999*0.009 + 0.001
    double m = (0.9 * 0.3 + 0.1 * -1) / (1 - 0.81);
    double v = (0.999 * 0.001 * 9 + 0.001 * 1) / (1 - 0.999 * 0.999);
    assertEquals(1 - 0.01 - 0.01 * m / (Math.sqrt(v) + 1e-8), run(new Adam(), 1f, new float[] {3, -1}, 0.01), 1e-6);
  }

  @Test
  void optimizerStateRoundTripsThroughRestore() {
    Sgd a = new Sgd(0.9, true, 0.01);
    Map<String, HeapTensor> p = one(1f);
    a.step(p, one(0.5f), 0.1);
    Sgd b = new Sgd(0.9, true, 0.01);
    b.restore(a.state(), a.steps());
    Map<String, HeapTensor> q = Map.of("p", p.get("p").copy());
    a.step(p, one(0.25f), 0.1);
    b.step(q, one(0.25f), 0.1);
    assertEquals(p.get("p").data()[0], q.get("p").data()[0], 0f);
    assertEquals(2, b.steps());
  }

  @Test
  void schedules() {
    LearningRateSchedule step = LearningRateSchedule.parse("step:3:0.5", 0.2, 10);
    assertEquals(0.2, step.at(2), 1e-12);
    assertEquals(0.1, step.at(3), 1e-12);
    assertEquals(0.05, step.at(6), 1e-12);
    LearningRateSchedule cos = LearningRateSchedule.parse("cosine", 0.2, 10);
    assertEquals(0.2, cos.at(0), 1e-12);
    assertEquals(0.1, cos.at(5), 1e-12);
    assertEquals(0.2 * (1 + Math.cos(Math.PI * 0.9)) / 2, cos.at(9), 1e-12);
    assertEquals(0.2, LearningRateSchedule.parse("constant", 0.2, 10).at(7), 0);
    assertThrows(EdgewiseException.class, () -> LearningRateSchedule.parse("step:0:0.5", 0.2, 10));
    assertThrows(EdgewiseException.class, () -> LearningRateSchedule.parse("linear", 0.2, 10));
  }
}

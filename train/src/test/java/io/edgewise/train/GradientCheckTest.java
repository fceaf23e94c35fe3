package io.edgewise.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Attribute;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every differentiable op's gradients against central finite differences on small odd shapes (reference kernels,
 * float32 values: eps = 1e-2 and a relative tolerance of 2e-3 leave room for float32 rounding of the loss, but
 * not for a wrong term). Inputs of piecewise ops keep away from their kinks by construction.
 */
class GradientCheckTest {
  private static final double EPS = 1e-2;
  private static final double TOL = 2e-3;

  @Test
  void convPlainStridedPaddedDilated() {
    new GradCheck("Conv", 1).input("x", -1, 1, 2, 3, 7, 6).param("w", -1, 1, 5, 3, 3, 2).param("b", -1, 1, 5)
        .attr(Attribute.ofInts("strides", 2, 1)).attr(Attribute.ofInts("pads", 1, 0, 2, 1))
        .attr(Attribute.ofInts("dilations", 1, 2)).check(EPS, TOL);
  }

  @Test
  void convGroupedWithoutBias() {
    new GradCheck("Conv", 2).input("x", -1, 1, 1, 4, 5, 5).param("w", -1, 1, 6, 2, 3, 3)
        .attr(Attribute.ofInt("group", 2)).attr(Attribute.ofInts("pads", 1, 1, 1, 1)).check(EPS, TOL);
  }

  @Test
  void convDepthwise() {
    new GradCheck("Conv", 3).input("x", -1, 1, 2, 3, 5, 4).param("w", -1, 1, 3, 1, 3, 3).param("b", -1, 1, 3)
        .attr(Attribute.ofInt("group", 3)).attr(Attribute.ofString("auto_pad", "SAME_UPPER")).check(EPS, TOL);
  }

  @Test
  void gemmEveryTransposeWithBroadcastBias() {
    for (int ta = 0; ta < 2; ta++) {
      for (int tb = 0; tb < 2; tb++) {
        new GradCheck("Gemm", 10 + 2 * ta + tb).input("a", -1, 1, ta == 1 ? 5 : 3, ta == 1 ? 3 : 5)
            .param("b", -1, 1, tb == 1 ? 4 : 5, tb == 1 ? 5 : 4).param("c", -1, 1, 4)
            .attr(Attribute.ofInt("transA", ta)).attr(Attribute.ofInt("transB", tb))
            .attr(Attribute.ofFloat("alpha", 0.7f)).attr(Attribute.ofFloat("beta", 1.3f)).check(EPS, TOL);
      }
    }
  }

  @Test
  void matMulWithSharedAndBatchedRightOperand() {
    new GradCheck("MatMul", 4).input("a", -1, 1, 2, 3, 5).param("b", -1, 1, 5, 3).check(EPS, TOL);
    new GradCheck("MatMul", 5).input("a", -1, 1, 2, 3, 5).input("b", -1, 1, 2, 5, 4).check(EPS, TOL);
  }

  @Test
  void activationsAwayFromTheirKinks() {
    HeapTensor x = awayFrom(new GradCheck("Relu", 6).random(-1, 1, 3, 7), 0f, -0.5f, 0.5f);
    new GradCheck("Relu", 6).input("x", x).check(EPS, TOL);
    new GradCheck("LeakyRelu", 7).input("x", x).attr(Attribute.ofFloat("alpha", 0.2f)).check(EPS, TOL);
    // Clip with inputs min and max (opset 11+), and with attributes (opset 6)
    HeapTensor wide = new GradCheck("Clip", 8).random(-0.9, 0.9, 3, 7);
    HeapTensor clipped = awayFrom(awayFrom(wide, 0.3f, -0.9f, 0.9f), -0.5f, -0.9f, 0.9f);
    new GradCheck("Clip", 8).input("x", clipped).fixed("lo", -0.5f).fixed("hi", 0.3f)
        .check(EPS, TOL);
    new GradCheck("Clip", 8).input("x", clipped).opset(6)
        .attr(Attribute.ofFloat("min", -0.5f)).attr(Attribute.ofFloat("max", 0.3f)).check(EPS, TOL);
  }

  @Test
  void maxPoolWithPadsStridesAndCeilMode() {
    new GradCheck("MaxPool", 9).input("x", distinct(2, 3, 7, 6)).attr(Attribute.ofInts("kernel_shape", 3, 2))
        .attr(Attribute.ofInts("strides", 2, 2)).attr(Attribute.ofInts("pads", 1, 0, 1, 1))
        .attr(Attribute.ofInt("ceil_mode", 1)).check(EPS, TOL);
  }

  @Test
  void averagePoolCountingAndNotCountingPads() {
    for (int include = 0; include < 2; include++) {
      new GradCheck("AveragePool", 11).input("x", -1, 1, 2, 2, 5, 7).attr(Attribute.ofInts("kernel_shape", 3, 3))
          .attr(Attribute.ofInts("strides", 2, 2)).attr(Attribute.ofInts("pads", 1, 1, 1, 1))
          .attr(Attribute.ofInt("count_include_pad", include)).check(EPS, TOL);
    }
  }

  @Test
  void globalAveragePool() {
    new GradCheck("GlobalAveragePool", 12).input("x", -1, 1, 2, 3, 5, 3).check(EPS, TOL);
  }

  @Test
  void batchNormTrainingModeThroughBatchStatistics() {
    new GradCheck("BatchNormalization", 13).input("x", -1, 1, 3, 4, 3, 5).param("scale", 0.5, 1.5, 4)
        .param("bias", -1, 1, 4).fixed("mean", 0.05f, -0.1f, 0f, 0.1f).fixed("var", 0.8f, 1.2f, 1f, 0.9f)
        .attr(Attribute.ofFloat("epsilon", 1e-3f)).check(EPS, 5e-3);
  }

  @Test
  void batchNormInferenceModeOnRunningStatistics() {
    new GradCheck("BatchNormalization", 14).input("x", -1, 1, 2, 3, 4, 3).param("scale", 0.5, 1.5, 3)
        .param("bias", -1, 1, 3).fixed("mean", -0.5f, 0.2f, 0.4f).fixed("var", 0.5f, 1.5f, 1f).inference().check(EPS, TOL);
  }

  @Test
  void addWithBroadcasting() {
    new GradCheck("Add", 15).input("a", -1, 1, 2, 3, 4).input("b", -1, 1, 3, 1).check(EPS, TOL);
    new GradCheck("Add", 16).input("a", -1, 1, 2, 3).input("b", -1, 1, 2, 3).check(EPS, TOL);
  }

  @Test
  void concatOnAMiddleAxis() {
    new GradCheck("Concat", 17).input("a", -1, 1, 2, 3, 4).input("b", -1, 1, 2, 1, 4).input("c", -1, 1, 2, 2, 4)
        .attr(Attribute.ofInt("axis", -2)).check(EPS, TOL);
  }

  @Test
  void flattenAndReshape() {
    new GradCheck("Flatten", 18).input("x", -1, 1, 2, 3, 5).attr(Attribute.ofInt("axis", 2)).check(EPS, TOL);
    new GradCheck("Reshape", 19).input("x", -1, 1, 2, 3, 5).constant("shape", 0, -1).check(EPS, TOL);
  }

  @Test
  void lossesAgainstFiniteDifferences() {
    GradCheck data = new GradCheck("Relu", 20);
    HeapTensor logits = data.random(-2, 2, 5, 7);
    int[] labels = {0, 6, 3, 3, 1};
    float[] targets = data.random(-1, 1, 5, 7).data();
    for (Loss loss : new Loss[] {Loss.softmaxCrossEntropy(labels), Loss.meanSquaredError(targets)}) {
      HeapTensor grad = HeapTensor.zeros(logits.shape());
      loss.evaluate(logits, grad);
      for (int i = 0; i < logits.size(); i++) {
        float saved = logits.data()[i];
        logits.data()[i] = saved + 1e-2f;
        double plus = loss.evaluate(logits, HeapTensor.zeros(logits.shape()));
        logits.data()[i] = saved - 1e-2f;
        double minus = loss.evaluate(logits, HeapTensor.zeros(logits.shape()));
        logits.data()[i] = saved;
        assertEquals((plus - minus) / 2e-2, grad.data()[i], 1e-4, "element " + i);
      }
    }
    // hand-computed: logits (0, ln 3) for label 1: p = (1/4, 3/4), loss = -ln(3/4)
    HeapTensor two = new HeapTensor(new float[] {0f, (float) Math.log(3)}, new int[] {1, 2});
    HeapTensor g = HeapTensor.zeros(1, 2);
    assertEquals(-Math.log(0.75), Loss.softmaxCrossEntropy(new int[] {1}).evaluate(two, g), 1e-6);
    assertEquals(0.25, g.data()[0], 1e-6);
    assertEquals(-0.25, g.data()[1], 1e-6);
    assertThrows(EdgewiseException.class, () -> Loss.softmaxCrossEntropy(new int[] {2}).evaluate(two, g));
  }

  @Test
  void unsupportedOpsAreRefusedByName() {
    EdgewiseException e = assertThrows(EdgewiseException.class,
        () -> new GradCheck("Softsign", 21).input("x", -1, 1, 3).build(new ReferenceTrainingKernels()));
    assertEquals(EdgewiseException.ErrorCode.NOT_IMPLEMENTED, e.code());
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("Softsign"), e.getMessage());
  }

  /** Values moved at least `gap` away from `kink`, inside [lo, hi]. */
  private static HeapTensor awayFrom(HeapTensor t, float kink, float lo, float hi) {
    float gap = 0.05f;
    for (int i = 0; i < t.size(); i++) {
      float v = Math.max(lo, Math.min(hi, t.data()[i]));
      if (Math.abs(v - kink) < gap) {
        v = kink + (v < kink ? -gap : gap);
      }
      t.data()[i] = v;
    }
    return t;
  }

  /** A permutation of well-separated values (0.1 apart), so every pooling window has one clear maximum. */
  private static HeapTensor distinct(int... shape) {
    HeapTensor t = HeapTensor.zeros(shape);
    java.util.List<Integer> order = new java.util.ArrayList<>();
    for (int i = 0; i < t.size(); i++) {
      order.add(i);
    }
    java.util.Collections.shuffle(order, new java.util.Random(5));
    for (int i = 0; i < t.size(); i++) {
      t.data()[i] = 0.1f * order.get(i) - 0.05f * t.size();
    }
    return t;
  }
}

package io.edgewise.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.model.Attribute;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorScope;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Training's forward passes (inference mode, on both the ref and the cpu training kernels) against the runtime's
 * reference backend, the oracle of inference: finite differences only prove that backward matches forward, this
 * proves that forward is the op the model means.
 */
class ForwardMatchesReferenceTest {
  private static final float TOL = 1e-5f;

  static List<GradCheck> cases() {
    return List.of(
        new GradCheck("Conv", 1).input("x", -1, 1, 2, 3, 7, 6).param("w", -1, 1, 5, 3, 3, 2).param("b", -1, 1, 5)
            .attr(Attribute.ofInts("strides", 2, 1)).attr(Attribute.ofInts("pads", 1, 0, 2, 1))
            .attr(Attribute.ofInts("dilations", 1, 2)),
        new GradCheck("Conv", 2).input("x", -1, 1, 1, 4, 5, 5).param("w", -1, 1, 6, 2, 3, 3)
            .attr(Attribute.ofInt("group", 2)).attr(Attribute.ofInts("pads", 1, 1, 1, 1)),
        new GradCheck("Conv", 3).input("x", -1, 1, 2, 3, 5, 4).param("w", -1, 1, 3, 1, 3, 3).param("b", -1, 1, 3)
            .attr(Attribute.ofInt("group", 3)).attr(Attribute.ofString("auto_pad", "SAME_UPPER")),
        new GradCheck("Gemm", 4).input("a", -1, 1, 5, 3).param("b", -1, 1, 4, 5).param("c", -1, 1, 4)
            .attr(Attribute.ofInt("transA", 1)).attr(Attribute.ofInt("transB", 1))
            .attr(Attribute.ofFloat("alpha", 0.7f)).attr(Attribute.ofFloat("beta", 1.3f)),
        new GradCheck("MatMul", 5).input("a", -1, 1, 2, 3, 5).param("b", -1, 1, 5, 3),
        new GradCheck("LeakyRelu", 6).input("x", -1, 1, 3, 7).attr(Attribute.ofFloat("alpha", 0.2f)),
        new GradCheck("Clip", 7).input("x", -1, 1, 3, 7).fixed("lo", -0.5f).fixed("hi", 0.3f),
        new GradCheck("MaxPool", 8).input("x", -1, 1, 2, 3, 7, 6).attr(Attribute.ofInts("kernel_shape", 3, 2))
            .attr(Attribute.ofInts("strides", 2, 2)).attr(Attribute.ofInts("pads", 1, 0, 1, 1))
            .attr(Attribute.ofInt("ceil_mode", 1)),
        new GradCheck("AveragePool", 9).input("x", -1, 1, 2, 2, 5, 7).attr(Attribute.ofInts("kernel_shape", 3, 3))
            .attr(Attribute.ofInts("strides", 2, 2)).attr(Attribute.ofInts("pads", 1, 1, 1, 1))
            .attr(Attribute.ofInt("count_include_pad", 1)),
        new GradCheck("AveragePool", 10).input("x", -1, 1, 2, 2, 5, 7).attr(Attribute.ofInts("kernel_shape", 3, 3))
            .attr(Attribute.ofInts("strides", 2, 2)).attr(Attribute.ofInts("pads", 1, 1, 1, 1)),
        new GradCheck("GlobalAveragePool", 11).input("x", -1, 1, 2, 3, 5, 3),
        new GradCheck("BatchNormalization", 12).input("x", -1, 1, 2, 3, 4, 3).param("scale", 0.5, 1.5, 3)
            .param("bias", -1, 1, 3).fixed("mean", -0.5f, 0.2f, 0.4f).fixed("var", 0.5f, 1.5f, 1f),
        new GradCheck("Add", 13).input("a", -1, 1, 2, 3, 4).input("b", -1, 1, 3, 1),
        new GradCheck("Concat", 14).input("a", -1, 1, 2, 3, 4).input("b", -1, 1, 2, 1, 4)
            .attr(Attribute.ofInt("axis", 1)),
        new GradCheck("Flatten", 15).input("x", -1, 1, 2, 3, 5).attr(Attribute.ofInt("axis", 2)),
        new GradCheck("Reshape", 16).input("x", -1, 1, 2, 3, 5).constant("shape", 0, -1));
  }

  @Test
  void everyOpsForwardEqualsTheReferenceBackend() {
    for (GradCheck c : cases()) {
      float[] expected;
      try (TensorScope scope = TensorScope.open();
          Session s = Session.open(c.model(), SessionOptions.defaults().withDevice("ref").withOptimize(false))) {
        Map<String, Tensor> in = new HashMap<>();
        c.inputs().forEach((k, v) -> in.put(k, Tensor.ofFloats(Shape.of(v.shape()), v.data())));
        expected = s.run(in).get("y").toFloatArray();
      }
      for (TrainingKernels k : List.of(TrainingKernels.forDevice("ref"), TrainingKernels.forDevice("cpu"))) {
        HeapTensor y = c.inference().forward(c.build(k));
        assertEquals(expected.length, y.size());
        for (int i = 0; i < expected.length; i++) {
          assertEquals(expected[i], y.data()[i], TOL * Math.max(1, Math.abs(expected[i])),
              c + " on " + k.device() + " at " + i);
        }
      }
    }
  }

  @Test
  void batchNormTrainingModeNormalizesWithBatchStatisticsAndUpdatesRunningOnes() {
    // hand-computed: one channel, values 1, 2, 3, 6: batch mean 3, population variance 3.5
    GradCheck c = new GradCheck("BatchNormalization", 20)
        .input("x", new HeapTensor(new float[] {1, 2, 3, 6}, new int[] {2, 1, 2, 1}))
        .param("scale", 2, 2, 1).param("bias", 1, 1, 1).fixed("mean", 0f).fixed("var", 1f)
        .attr(Attribute.ofFloat("epsilon", 0f)).attr(Attribute.ofFloat("momentum", 0.75f));
    TrainGraph g = c.build(TrainingKernels.forDevice("ref"));
    HeapTensor y = g.forward(c.inputs(), true, true).value("y");
    double sd = Math.sqrt(3.5);
    assertArrayEquals(new float[] {(float) (2 * -2 / sd + 1), (float) (2 * -1 / sd + 1), 1f,
        (float) (2 * 3 / sd + 1)}, y.data(), 1e-6f);
    assertEquals(0.25f * 3, g.parameters().get("mean").data()[0], 1e-6f);
    assertEquals(0.75f + 0.25f * 3.5f, g.parameters().get("var").data()[0], 1e-6f);
  }
}

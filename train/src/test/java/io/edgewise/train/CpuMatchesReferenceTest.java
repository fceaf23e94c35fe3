package io.edgewise.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.model.Attribute;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cpu device's training kernels (native GEMM, convolution backward by im2col/col2im reshaping) agree with the
 * ref oracle: every gradient within 1e-4 of the largest magnitude of that gradient (float32 sums in a different
 * order against double sums), on shapes large enough to span several GEMM panels and threads.
 */
class CpuMatchesReferenceTest {
  static final double TOLERANCE = 1e-4;

  static List<GradCheck> cases() {
    return List.of(
        new GradCheck("Conv", 31).input("x", -1, 1, 2, 16, 13, 11).param("w", -1, 1, 24, 16, 3, 3)
            .param("b", -1, 1, 24).attr(Attribute.ofInts("strides", 2, 2)).attr(Attribute.ofInts("pads", 1, 1, 1, 1)),
        new GradCheck("Conv", 32).input("x", -1, 1, 3, 8, 30, 29).param("w", -1, 1, 16, 4, 3, 3)
            .attr(Attribute.ofInt("group", 2)).attr(Attribute.ofInts("pads", 1, 1, 1, 1)),
        new GradCheck("Conv", 33).input("x", -1, 1, 2, 12, 9, 9).param("w", -1, 1, 12, 1, 3, 3)
            .param("b", -1, 1, 12).attr(Attribute.ofInt("group", 12)).attr(Attribute.ofInts("dilations", 2, 2))
            .attr(Attribute.ofInts("pads", 2, 2, 2, 2)),
        new GradCheck("Conv", 34).input("x", -1, 1, 4, 32, 7, 7).param("w", -1, 1, 40, 32, 1, 1),
        new GradCheck("Gemm", 35).input("a", -1, 1, 9, 130).param("b", -1, 1, 17, 130).param("c", -1, 1, 17)
            .attr(Attribute.ofInt("transB", 1)),
        new GradCheck("Gemm", 36).input("a", -1, 1, 70, 9).param("b", -1, 1, 70, 33).attr(Attribute.ofInt("transA", 1)),
        new GradCheck("MatMul", 37).input("a", -1, 1, 3, 7, 41).input("b", -1, 1, 3, 41, 6));
  }

  @Test
  void gradientsOnCpuAgreeWithRef() {
    for (GradCheck c : cases()) {
      TrainGraph ref = c.build(TrainingKernels.forDevice("ref"));
      TrainGraph cpu = c.build(TrainingKernels.forDevice("cpu"));
      HeapTensor yRef = c.forward(ref);
      HeapTensor seed = c.random(-1, 1, yRef.shape());
      assertClose(c + " forward", yRef, c.forward(cpu));
      Map<String, HeapTensor> gRef = c.gradients(ref, seed);
      Map<String, HeapTensor> gCpu = c.gradients(cpu, seed);
      assertEquals(gRef.keySet(), gCpu.keySet(), c.toString());
      assertTrue(gRef.size() >= 2, c + ": gradients of input and weights");
      for (String name : gRef.keySet()) {
        assertClose(c + " d/d" + name, gRef.get(name), gCpu.get(name));
      }
    }
  }

  static void assertClose(String what, HeapTensor expected, HeapTensor actual) {
    assertEquals(expected.size(), actual.size(), what);
    double scale = 0;
    for (float v : expected.data()) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.data()[i], actual.data()[i], TOLERANCE * Math.max(1, scale), what + " at " + i);
    }
  }
}

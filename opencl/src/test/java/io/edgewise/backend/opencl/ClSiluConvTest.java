package io.edgewise.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A convolution followed by SiLU written as x * Sigmoid(x) runs as one device convolution with the SiLU epilogue
 * (kernels/common.cl), nothing on the host, and matches the reference computing Sigmoid and Mul as written.
 */
class ClSiluConvTest {
  @Test
  void convolutionWithSiluRunsOnTheDeviceAndMatchesTheReference() {
    ClTestDevices.first();
    Random rnd = new Random(9);
    float[] xs = new float[2 * 8 * 9 * 7];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) rnd.nextGaussian();
    }
    try (Tensor x = Tensor.ofFloats(Shape.of(2, 8, 9, 7), xs)) {
      float[] expected = run(SessionOptions.defaults().withDevice("ref").withOptimize(false), x);
      long host = ClExecutable.hostNodeRuns();
      long device = ClExecutable.deviceNodeRuns();
      float[] actual = run(SessionOptions.defaults().withDevice("opencl"), x);
      assertEquals(host, ClExecutable.hostNodeRuns(), "nodes ran on the host fallback");
      assertEquals(device + 1, ClExecutable.deviceNodeRuns(), "one fused convolution on the device");
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, Math.abs(expected[i])), "y[" + i + "]");
      }
    }
  }

  private static float[] run(SessionOptions options, Tensor x) {
    try (Session s = Session.open(model(), options)) {
      Map<String, Tensor> out = s.run(Map.of("x", x));
      try {
        return out.get("y").toFloatArray();
      } finally {
        out.values().forEach(Tensor::close);
      }
    }
  }

  private static Model model() {
    Random rnd = new Random(3);
    Graph g = new Graph("silu");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.of(2), Dim.of(8), Dim.of(9), Dim.of(7)), null));
    float[] w = new float[12 * 8 * 3 * 3];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rnd.nextGaussian() * 0.3f;
    }
    g.initializers().put("w", Tensor.ofFloats(Shape.of(12, 8, 3, 3), w));
    g.initializers().put("b", Tensor.ofFloats(Shape.of(12), new float[] {-1, -0.5f, 0, 0.5f, 1, 2, -2, 0, 0, 0, 0, 3}));
    Node conv = new Node("conv", "Conv", List.of("x", "w", "b"), List.of("c"));
    conv.setAttr(Attribute.ofInts("pads", 1, 1, 1, 1));
    g.nodes().add(conv);
    g.nodes().add(new Node("sigmoid", "Sigmoid", List.of("c"), List.of("gate")));
    g.nodes().add(new Node("mul", "Mul", List.of("gate", "c"), List.of("y")));
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }
}

package io.edgewise.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorScope;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Head replacement on a SqueezeNet-shaped classifier (1x1 Conv, Clip with bounds from Constant nodes, global pooling,
 * Flatten) and on a Gemm without transB; the reference backend on the original model is the oracle.
 */
class HeadReplacementTest {
  private static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return v;
  }

  /** x [1, 4, 3, 3] -> Conv 1x1 (3 classes) -> Clip(-0.5, 2) -> GlobalAveragePool -> Flatten -> [1, 3]. */
  private static Model convHeadModel() {
    Graph g = new Graph("conv_head");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1, 4, 3, 3)));
    g.initializers().put("w", Tensor.ofFloats(Shape.of(3, 4, 1, 1), random(12, 1)));
    g.initializers().put("b", Tensor.ofFloats(Shape.of(3), 0.1f, -0.2f, 0.3f));
    g.nodes().add(new Node("lo", "Constant", "", List.of(), List.of("lo"),
        Map.of("value", Attribute.ofTensor("value", Tensor.scalarFloat(-0.5f)))));
    g.nodes().add(new Node("hi", "Constant", "", List.of(), List.of("hi"),
        Map.of("value", Attribute.ofTensor("value", Tensor.scalarFloat(2f)))));
    g.nodes().add(new Node("head", "Conv", List.of("x", "w", "b"), List.of("c")));
    g.nodes().add(new Node("clip", "Clip", List.of("c", "lo", "hi"), List.of("r")));
    g.nodes().add(new Node("gap", "GlobalAveragePool", List.of("r"), List.of("p")));
    g.nodes().add(new Node("flat", "Flatten", List.of("p"), List.of("y")));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, 3)));
    g.valueInfo().put("c", ValueInfo.tensor("c", DType.FLOAT32, Shape.of(1, 3, 3, 3)));
    return new Model(g, Map.of("", 17L), 8, "test", null, null);
  }

  @Test
  void convHeadThroughClipPoolingAndFlatten() {
    float[] x = random(36, 2);
    float[] expected;
    try (TensorScope scope = TensorScope.open();
        Session s = Session.open(convHeadModel(), SessionOptions.defaults().withDevice("ref"))) {
      expected = s.run(Map.of("x", Tensor.ofFloats(Shape.of(1, 4, 3, 3), x))).get("y").toFloatArray();
    }
    try (Model m = convHeadModel()) {
      Node head = HeadReplacement.replace(m.graph(), 5);
      assertEquals("head", head.name());
      assertEquals(Shape.of(5, 4, 1, 1), m.graph().initializers().get("w").shape());
      assertEquals(Shape.of(1, 5), m.graph().outputs().get(0).concreteShape());
      assertTrue(!m.graph().valueInfo().containsKey("c"), "the stale [1, 3, 3, 3] type of the head's output is gone");
      TrainGraph g = new TrainGraph(m.graph(), m.opset(), TrainingKernels.forDevice("cpu"), Set.of("w", "b"),
          Set.of());
      float[] y = g.forward(Map.of("x", new HeapTensor(x, new int[] {1, 4, 3, 3})), false, false).value("y").data();
      assertArrayEquals(expected, java.util.Arrays.copyOf(y, 3), 1e-5f);
      assertArrayEquals(new float[2], java.util.Arrays.copyOfRange(y, 3, 5), 0f);
    }
  }

  @Test
  void gemmWithoutTransposeGetsNewColumns() {
    Graph g = new Graph("gemm_head");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1, 4)));
    g.initializers().put("w", Tensor.ofFloats(Shape.of(4, 2), 1, 2, 3, 4, 5, 6, 7, 8));
    g.nodes().add(new Node("fc", "Gemm", List.of("x", "w"), List.of("y")));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, 2)));
    try (g) {
      HeadReplacement.replace(g, 3);
      assertArrayEquals(new float[] {1, 2, 0, 3, 4, 0, 5, 6, 0, 7, 8, 0}, g.initializers().get("w").toFloatArray());
      assertEquals(List.of("x", "w", "y_head_bias"), g.nodes().get(0).inputs());
      assertArrayEquals(new float[3], g.initializers().get("y_head_bias").toFloatArray());
    }
  }

  @Test
  void aModelWithoutALinearHeadIsRefused() {
    Graph g = new Graph("no_head");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1, 4)));
    g.nodes().add(new Node("r", "Relu", List.of("x"), List.of("y")));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, 4)));
    try (g) {
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> HeadReplacement.replace(g, 3));
      assertTrue(e.getMessage().contains("comes from no node"), e.getMessage());
    }
  }
}

package io.edgewise.model.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxExporter;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** BatchNormalization folds into the Conv before it, and only where that is exact. */
class BatchNormFoldingTest {
  private static final SessionOptions PLAIN = SessionOptions.defaults().withOptimize(false);

  @Test
  void aBiaslessDepthwiseConvGainsTheFoldedBias() {
    Model before = convBn(false, 4, false);
    Model after = OnnxImporter.load(OnnxExporter.toBytes(before), null);
    assertEquals(1, new BatchNormFolding().apply(after));
    assertEquals(List.of("Conv"), ops(after));
    Node conv = after.graph().nodes().get(0);
    assertEquals(3, conv.inputs().size(), "a bias input was added");
    assertEquals("y", conv.output(0), "the graph output keeps its name");
    assertEquals(Shape.of(4), after.graph().initializers().get(conv.input(2)).shape());
    assertEquals(List.of("w", "gamma", "beta", "mean", "var").stream().filter(after.graph()::isInitializer).toList(),
        List.of(), "the BN parameters and the unfolded weights are gone");
    compare(before, after);
  }

  @Test
  void aConvOutputReadElsewhereOrATrainingModeBnStays() {
    try (Model shared = convBn(true, 1, false)) {
      Graph g = shared.graph();
      g.nodes().add(new Node("tap", "Relu", List.of("c"), List.of("tapped")));
      g.outputs().add(ValueInfo.tensor("tapped", DType.FLOAT32));
      assertEquals(0, new BatchNormFolding().apply(shared));
      assertEquals(List.of("Conv", "BatchNormalization", "Relu"), ops(shared));
    }
    try (Model training = convBn(true, 1, true)) {
      assertEquals(0, new BatchNormFolding().apply(training));
      assertEquals(List.of("Conv", "BatchNormalization"), ops(training));
    }
  }

  /** x[1,4,6,6] -> Conv(group) -> BN -> y. */
  private static Model convBn(boolean bias, int group, boolean trainingMode) {
    Random rnd = new Random(5);
    Graph g = new Graph("bn");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1, 4, 6, 6)));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, 4, 6, 6)));
    g.initializers().put("w", random(rnd, Shape.of(4, 4 / group, 3, 3), 0));
    List<String> convIn = new ArrayList<>(List.of("x", "w"));
    if (bias) {
      g.initializers().put("b", random(rnd, Shape.of(4), 0));
      convIn.add("b");
    }
    g.initializers().put("gamma", random(rnd, Shape.of(4), 1));
    g.initializers().put("beta", random(rnd, Shape.of(4), 0));
    g.initializers().put("mean", random(rnd, Shape.of(4), 0));
    g.initializers().put("var", random(rnd, Shape.of(4), 0.5));
    Node conv = new Node("conv", "Conv", convIn, List.of("c"));
    conv.setAttr(Attribute.ofInts("pads", 1, 1, 1, 1));
    conv.setAttr(Attribute.ofInt("group", group));
    g.nodes().add(conv);
    Node bn = new Node("bn", "BatchNormalization", List.of("c", "gamma", "beta", "mean", "var"), List.of("y"));
    if (trainingMode) {
      bn.setAttr(Attribute.ofInt("training_mode", 1));
    }
    g.nodes().add(bn);
    return new Model(g, Map.of("", 15L), 8, "test", null, null);
  }

  private static List<String> ops(Model m) {
    return m.graph().nodes().stream().map(Node::opType).toList();
  }

  private static void compare(Model before, Model after) {
    try (Tensor x = random(new Random(9), Shape.of(1, 4, 6, 6), 0);
        Session a = Session.open(before, PLAIN);
        Session b = Session.open(after, PLAIN);
        Tensor ya = a.run(Map.of("x", x)).get("y");
        Tensor yb = b.run(Map.of("x", x)).get("y")) {
      float[] e = ya.toFloatArray();
      float[] v = yb.toFloatArray();
      for (int i = 0; i < e.length; i++) {
        assertEquals(e[i], v[i], 1e-5 * Math.max(1, Math.abs(e[i])), "y[" + i + "]");
      }
    }
  }

  private static Tensor random(Random rnd, Shape s, double offset) {
    float[] v = new float[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (offset > 0 ? offset + rnd.nextDouble() : rnd.nextGaussian());
    }
    return Tensor.ofFloats(s, v);
  }
}

package io.edgewise.model.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each pass keeps the outputs equal (on ref, before vs after) and changes the structure as claimed. */
class GraphPassesTest {
  private static final SessionOptions PLAIN = SessionOptions.defaults().withOptimize(false);
  private static final SessionOptions OPTIMIZED = SessionOptions.defaults();

  @Test
  void optimizedSharedModelsMatchTheUnoptimizedGraphAndFuseTheirConvs() {
    // resnet18: every Conv but the 3 downsample projections, which feed the residual Adds as their second operand;
    // mobilenet_v2: 35 Conv+Clip, 10 projection Convs with their residual Add, 7 projections stay plain Convs
    Map<String, Integer> expectedFused = Map.of("resnet18", 17, "mobilenet_v2", 45, "squeezenet1_1", 26);
    for (String name : expectedFused.keySet()) {
      Path dir = TestData.model(name);
      try (Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"));
          Session plain = Session.open(dir.resolve("model.onnx"), PLAIN);
          Session optimized = Session.open(dir.resolve("model.onnx"), OPTIMIZED)) {
        Map<String, Integer> ops = optimized.model().graph().opCounts();
        assertEquals(expectedFused.get(name), ops.getOrDefault("FusedConv", 0), name + " " + ops);
        assertEquals(0, ops.getOrDefault("Relu", 0) + ops.getOrDefault("Clip", 0) + ops.getOrDefault("Identity", 0)
            + ops.getOrDefault("Add", 0), name + " " + ops);
        assertClose(plain.run(Map.of("input", x)), optimized.run(Map.of("input", x)), 1e-5, name);
      }
    }
  }

  @Test
  void batchNormFoldsIntoTheConvBeforeIt() {
    Random rnd = new Random(3);
    Graph g = new Graph("bn");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1, 3, 5, 5)));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, 4, 5, 5)));
    g.initializers().put("w", random(rnd, Shape.of(4, 3, 3, 3), 0));
    g.initializers().put("b", random(rnd, Shape.of(4), 0));
    g.initializers().put("gamma", random(rnd, Shape.of(4), 1));
    g.initializers().put("beta", random(rnd, Shape.of(4), 0));
    g.initializers().put("mean", random(rnd, Shape.of(4), 0));
    g.initializers().put("var", random(rnd, Shape.of(4), 2));
    Node conv = new Node("conv", "Conv", List.of("x", "w", "b"), List.of("c"));
    conv.setAttr(Attribute.ofInts("pads", 1, 1, 1, 1));
    g.nodes().add(conv);
    Node bn = new Node("bn", "BatchNormalization", List.of("c", "gamma", "beta", "mean", "var"), List.of("y"));
    bn.setAttr(Attribute.ofFloat("epsilon", 1e-3f));
    g.nodes().add(bn);
    Model before = new Model(g, Map.of("", 13L), 8, "test", null, null);
    Model after = OnnxImporter.load(io.edgewise.model.onnx.OnnxExporter.toBytes(before), null);
    assertEquals(1, new BatchNormFolding().apply(after));
    assertEquals(List.of("Conv"), after.graph().nodes().stream().map(Node::opType).toList());
    try (Tensor x = random(rnd, Shape.of(1, 3, 5, 5), 0);
        Session a = Session.open(before, PLAIN);
        Session b = Session.open(after, PLAIN)) {
      assertClose(a.run(Map.of("x", x)), b.run(Map.of("x", x)), 1e-5, "bn folding");
    }
  }

  @Test
  void identityAndInferenceDropoutDisappearButGraphOutputsKeepTheirNames() {
    Graph g = new Graph("ids");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(2, 2)));
    g.outputs().add(ValueInfo.tensor("out", DType.FLOAT32, Shape.of(2, 2)));
    g.nodes().add(new Node("i1", "Identity", List.of("x"), List.of("a")));
    g.nodes().add(new Node("d", "Dropout", List.of("a"), List.of("b")));
    g.nodes().add(new Node("r", "Relu", List.of("b"), List.of("c")));
    g.nodes().add(new Node("i2", "Identity", List.of("c"), List.of("out")));
    g.nodes().add(new Node("s", "Sigmoid", List.of("c"), List.of("side")));
    g.outputs().add(ValueInfo.tensor("side", DType.FLOAT32, Shape.of(2, 2)));
    g.outputs().add(ValueInfo.tensor("passthrough", DType.FLOAT32, Shape.of(2, 2)));
    g.nodes().add(new Node("i3", "Identity", List.of("x"), List.of("passthrough")));
    Model before = OnnxImporter.load(io.edgewise.model.onnx.OnnxExporter.toBytes(
        new Model(g, Map.of("", 13L), 8, "test", null, null)), null);
    Model m = OnnxImporter.load(io.edgewise.model.onnx.OnnxExporter.toBytes(before), null);
    Graph after = m.graph();
    assertEquals(3, new IdentityElimination().apply(m));
    // the Relu now writes the graph output itself; the Sigmoid reads it; x -> passthrough must stay an Identity
    assertEquals(List.of("Relu", "Sigmoid", "Identity"), after.nodes().stream().map(Node::opType).toList());
    assertEquals(List.of("x"), after.nodes().get(0).inputs());
    assertEquals(List.of("out"), after.nodes().get(0).outputs());
    assertEquals(List.of("out"), after.nodes().get(1).inputs());
    assertEquals(List.of("out", "side", "passthrough"), after.outputNames());
    try (Tensor x = Tensor.ofFloats(Shape.of(2, 2), -1, 2, -3, 4);
        Session a = Session.open(before, PLAIN);
        Session b = Session.open(m, PLAIN)) {
      assertClose(a.run(Map.of("x", x)), b.run(Map.of("x", x)), 0, "identity removal");
    }
  }

  @Test
  void constantFoldingEvaluatesConstantSubgraphsAndDropsDeadInitializers() {
    Graph g = new Graph("fold");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1, 6)));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(2, 3)));
    g.initializers().put("shape_in", Tensor.ofLongs(DType.INT64, Shape.of(2), 3, 2));
    Node constant = new Node("k", "Constant", List.of(), List.of("two"));
    constant.setAttr(Attribute.ofInts("value_ints", 2, 3));
    g.nodes().add(constant);
    g.nodes().add(new Node("m", "Mul", List.of("shape_in", "shape_in"), List.of("unused_sq")));
    g.nodes().add(new Node("reshape", "Reshape", List.of("x", "two"), List.of("y")));
    try (Model m = new Model(g, Map.of("", 13L), 8, "test", null, null)) {
      ConstantEvaluator reference = (node, in, opset) -> io.edgewise.backend.reference.ReferenceBackend.registry()
          .get(node.domain(), node.opType()).compute(new io.edgewise.backend.exec.OpContext(node, opset,
              io.edgewise.backend.BackendOptions.defaults()), in);
      int folded = new ConstantFolding(reference).apply(m);
      assertEquals(2, folded);
      assertEquals(List.of("Reshape"), g.nodes().stream().map(Node::opType).toList());
      assertTrue(g.initializers().containsKey("two"));
      assertTrue(!g.initializers().containsKey("shape_in") && !g.initializers().containsKey("unused_sq"),
          g.initializers().keySet().toString());
      assertEquals(List.of(2L, 3L), java.util.Arrays.stream(g.initializers().get("two").toLongArray()).boxed()
          .toList());
    }
  }

  @Test
  void foldingKeepsAConstantThatOnlyASubgraphReads() {
    // k (Constant) is read only inside If's branches, from the outer scope (AffineGrid's expansion does this):
    // folded into an initializer, it must stay
    Graph g = new Graph("outer");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(2)));
    g.inputs().add(ValueInfo.tensor("cond", DType.BOOL, Shape.of()));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(2)));
    Node constant = new Node("k", "Constant", List.of(), List.of("k_out"));
    constant.setAttr(Attribute.ofFloats("value_floats", 1, 2));
    g.nodes().add(constant);
    Node iff = new Node("if", "If", List.of("cond"), List.of("y"));
    for (String branch : List.of("then_branch", "else_branch")) {
      Graph b = new Graph(branch);
      b.nodes().add(new Node(branch + "_add", "Add", List.of("x", "k_out"), List.of(branch + "_y")));
      b.outputs().add(ValueInfo.tensor(branch + "_y", DType.FLOAT32, Shape.of(2)));
      iff.setAttr(new Attribute(branch, Attribute.Kind.GRAPH, b));
    }
    g.nodes().add(iff);
    try (Model m = new Model(g, Map.of("", 13L), 8, "test", null, null)) {
      ConstantEvaluator reference = (node, in, opset) -> io.edgewise.backend.reference.ReferenceBackend.registry()
          .get(node.domain(), node.opType()).compute(new io.edgewise.backend.exec.OpContext(node, opset,
              io.edgewise.backend.BackendOptions.defaults()), in);
      assertEquals(1, new ConstantFolding(reference).apply(m));
      assertTrue(g.initializers().containsKey("k_out"), g.initializers().keySet().toString());
    }
  }

  private static Tensor random(Random rnd, Shape s, double offset) {
    float[] v = new float[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (offset + (offset > 0 ? rnd.nextDouble() * 0.5 : rnd.nextGaussian()));
    }
    return Tensor.ofFloats(s, v);
  }

  private static void assertClose(Map<String, Tensor> expected, Map<String, Tensor> actual, double rel, String what) {
    try {
      assertEquals(expected.keySet(), actual.keySet(), what);
      for (String k : expected.keySet()) {
        float[] e = expected.get(k).toFloatArray();
        float[] a = actual.get(k).toFloatArray();
        double scale = 0;
        for (float f : e) {
          scale = Math.max(scale, Math.abs(f));
        }
        for (int i = 0; i < e.length; i++) {
          assertEquals(e[i], a[i], rel * Math.max(scale, 1e-6), what + " " + k + "[" + i + "]");
        }
      }
    } finally {
      expected.values().forEach(Tensor::close);
      actual.values().forEach(Tensor::close);
    }
  }
}

package io.edgewise.runtime.partition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.backend.NodePlacement;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Nodes no device of ours implements run on ONNX Runtime inside a cpu (or ref) session, as segments between the
 * device's own: the outputs equal ONNX Runtime running the whole model (the oracle), and the placement names, per
 * node, the device and why. Ops we lack: Hardmax, TopK, LSTM, If (a subgraph reading an outer value). The ops that
 * once ran here and now have reference kernels (LayerNormalization, Einsum, NonMaxSuppression) run on those, in the
 * same models, with the same outputs as ONNX Runtime.
 */
class OrtFallbackTest {
  private static Tensor randomFloats(Random rnd, long... dims) {
    Shape s = Shape.of(dims);
    float[] v = new float[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return Tensor.ofFloats(s, v);
  }

  private static Tensor longs(long... v) {
    Tensor t = Tensor.allocate(DType.INT64, Shape.of(v.length));
    for (int i = 0; i < v.length; i++) {
      t.setLong(i, v[i]);
    }
    return t;
  }

  private static ValueInfo f32(String name, long... dims) {
    List<Dim> d = new ArrayList<>();
    for (long x : dims) {
      d.add(Dim.of(x));
    }
    return new ValueInfo(name, DType.FLOAT32, d, null);
  }

  private static Model model(Graph g, long opset) {
    return new Model(g, Map.of("", opset), 8, "test", null, null);
  }

  /** x -> Relu -> op (LayerNormalization with scale and bias, or Hardmax) -> Mul c -> y. */
  private static Model betweenReluAndMul(String op) {
    Random rnd = new Random(1);
    Graph g = new Graph(op);
    g.inputs().add(f32("x", 2, 3, 4));
    g.initializers().put("scale", randomFloats(rnd, 4));
    g.initializers().put("bias", randomFloats(rnd, 4));
    g.initializers().put("c", randomFloats(rnd, 4));
    g.nodes().add(new Node("relu", "Relu", List.of("x"), List.of("r")));
    Node n = new Node("op", op, op.equals("Hardmax") ? List.of("r") : List.of("r", "scale", "bias"), List.of("n"));
    n.setAttr(Attribute.ofInt("axis", -1));
    g.nodes().add(n);
    g.nodes().add(new Node("mul", "Mul", List.of("n", "c"), List.of("y")));
    g.outputs().add(f32("y", 2, 3, 4));
    return model(g, 17);
  }

  /** x -> TopK(2) (ort) -> values -> Einsum with w (ref) -> Relu (cpu) -> y; the indices are a second output. */
  private static Model topKEinsum() {
    Random rnd = new Random(2);
    Graph g = new Graph("topk_einsum");
    g.inputs().add(f32("x", 3, 5));
    g.initializers().put("k", longs(2));
    g.initializers().put("w", randomFloats(rnd, 2, 4));
    g.nodes().add(new Node("topk", "TopK", List.of("x", "k"), List.of("v", "i")));
    Node e = new Node("einsum", "Einsum", List.of("v", "w"), List.of("e"));
    e.setAttr(Attribute.ofString("equation", "ij,jk->ik"));
    g.nodes().add(e);
    g.nodes().add(new Node("relu", "Relu", List.of("e"), List.of("y")));
    g.outputs().add(f32("y", 3, 4));
    g.outputs().add(new ValueInfo("i", DType.INT64, List.of(Dim.of(3), Dim.of(2)), null));
    return model(g, 13);
  }

  /** boxes and scores through Abs and Sigmoid into NonMaxSuppression: the selected indices. */
  private static Model nms() {
    Graph g = new Graph("nms");
    g.inputs().add(f32("boxes", 1, 6, 4));
    g.inputs().add(f32("scores", 1, 1, 6));
    g.initializers().put("max", longs(3));
    g.initializers().put("iou", Tensor.ofFloats(Shape.of(1), new float[] {0.5f}));
    g.nodes().add(new Node("abs", "Abs", List.of("boxes"), List.of("b")));
    g.nodes().add(new Node("sig", "Sigmoid", List.of("scores"), List.of("s")));
    g.nodes().add(new Node("nms", "NonMaxSuppression", List.of("b", "s", "max", "iou"), List.of("selected")));
    g.outputs().add(new ValueInfo("selected", DType.INT64, List.of(Dim.unknown(), Dim.of(3)), null));
    return model(g, 13);
  }

  /** x [2, 1, 3] -> LSTM (hidden 2) -> Y -> Tanh -> y. */
  private static Model lstm() {
    Random rnd = new Random(4);
    Graph g = new Graph("lstm");
    g.inputs().add(f32("x", 2, 1, 3));
    g.initializers().put("W", randomFloats(rnd, 1, 8, 3));
    g.initializers().put("R", randomFloats(rnd, 1, 8, 2));
    Node n = new Node("lstm", "LSTM", List.of("x", "W", "R"), List.of("Y"));
    n.setAttr(Attribute.ofInt("hidden_size", 2));
    g.nodes().add(n);
    g.nodes().add(new Node("tanh", "Tanh", List.of("Y"), List.of("y")));
    g.outputs().add(f32("y", 2, 1, 1, 2));
    return model(g, 13);
  }

  /** x -> Relu -> r; If(cond) then r + 1 else r - 1 (branches read r from the outer graph); * 2 -> y. */
  private static Model ifModel() {
    Graph g = new Graph("if");
    g.inputs().add(f32("x", 2, 3));
    g.inputs().add(new ValueInfo("cond", DType.BOOL, List.of(), null));
    g.initializers().put("two", Tensor.ofFloats(Shape.of(1), new float[] {2f}));
    g.nodes().add(new Node("relu", "Relu", List.of("x"), List.of("r")));
    Node iff = new Node("if", "If", List.of("cond"), List.of("z"));
    iff.setAttr(new Attribute("then_branch", Attribute.Kind.GRAPH, branch("then", "Add")));
    iff.setAttr(new Attribute("else_branch", Attribute.Kind.GRAPH, branch("else", "Sub")));
    g.nodes().add(iff);
    g.nodes().add(new Node("mul", "Mul", List.of("z", "two"), List.of("y")));
    g.outputs().add(f32("y", 2, 3));
    return model(g, 13);
  }

  /**
   * x (rank 2, sizes unknown) -> Relu -> r; If(cond) then Squeeze(r, axis 1) else ReduceMax over axis 1 (no keepdims):
   * with x [2, 3] the then-branch does not fit (axis 1 is 3), and it is never taken.
   */
  private static Model ifWithABranchThatDoesNotFit() {
    Graph g = new Graph("if_squeeze");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.unknown(), Dim.unknown()), null));
    g.inputs().add(new ValueInfo("cond", DType.BOOL, List.of(), null));
    g.initializers().put("axis1", longs(1));
    g.nodes().add(new Node("relu", "Relu", List.of("x"), List.of("r")));
    Node iff = new Node("if", "If", List.of("cond"), List.of("z"));
    Graph then = new Graph("then");
    then.nodes().add(new Node("then_sq", "Squeeze", List.of("r", "axis1"), List.of("then_out")));
    then.outputs().add(new ValueInfo("then_out", DType.FLOAT32, List.of(Dim.unknown()), null));
    then.outerScope().add("r");
    Graph otherwise = new Graph("else");
    Node max = new Node("else_max", "ReduceMax", List.of("r"), List.of("else_out"));
    max.setAttr(Attribute.ofInts("axes", 1));
    max.setAttr(Attribute.ofInt("keepdims", 0));
    otherwise.nodes().add(max);
    otherwise.outputs().add(new ValueInfo("else_out", DType.FLOAT32, List.of(Dim.unknown()), null));
    otherwise.outerScope().add("r");
    iff.setAttr(new Attribute("then_branch", Attribute.Kind.GRAPH, then));
    iff.setAttr(new Attribute("else_branch", Attribute.Kind.GRAPH, otherwise));
    g.nodes().add(iff);
    g.outputs().add(new ValueInfo("z", DType.FLOAT32, List.of(Dim.unknown()), null));
    return model(g, 13);
  }

  private static Graph branch(String name, String op) {
    Graph b = new Graph(name);
    b.initializers().put(name + "_one", Tensor.ofFloats(Shape.of(1), new float[] {1f}));
    b.nodes().add(new Node(name + "_op", op, List.of("r", name + "_one"), List.of(name + "_out")));
    b.outputs().add(f32(name + "_out", 2, 3));
    b.outerScope().add("r");
    return b;
  }

  private static Map<String, Tensor> run(Supplier<Model> model, String device, Map<String, Tensor> feeds,
      List<NodePlacement> placement) {
    try (Session s = Session.open(model.get(), SessionOptions.defaults().withDevice(device))) {
      Map<String, Tensor> out = s.run(feeds);
      if (placement != null) {
        placement.addAll(s.placement());
      }
      return out;
    }
  }

  /** Runs on `device` and on ort (whole model), compares every output, and returns the device's placement. */
  private static List<NodePlacement> sameAsOrt(Supplier<Model> model, String device, Map<String, Tensor> feeds) {
    List<NodePlacement> placement = new ArrayList<>();
    Map<String, Tensor> expected = run(model, "ort", feeds, null);
    Map<String, Tensor> actual = run(model, device, feeds, placement);
    try {
      assertEquals(expected.keySet(), actual.keySet());
      for (String name : expected.keySet()) {
        Tensor e = expected.get(name);
        Tensor a = actual.get(name);
        assertEquals(e.shape(), a.shape(), name);
        assertEquals(e.dtype(), a.dtype(), name);
        if (e.dtype().isFloatingPoint()) {
          assertArrayEquals(e.toFloatArray(), a.toFloatArray(), 1e-5f, name);
        } else {
          for (long i = 0; i < e.size(); i++) {
            assertEquals(e.getLong(i), a.getLong(i), name + "[" + i + "]");
          }
        }
      }
    } finally {
      expected.values().forEach(Tensor::close);
      actual.values().forEach(Tensor::close);
    }
    return placement;
  }

  private static NodePlacement node(List<NodePlacement> placement, String name) {
    return placement.stream().filter(p -> p.node().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError(name + " not in " + placement));
  }

  private static void onOrt(List<NodePlacement> placement, String name, String device, String op) {
    NodePlacement p = node(placement, name);
    assertEquals("ort", p.device(), placement.toString());
    assertEquals("no " + device + " kernel for " + op, p.fallbackReason());
  }

  /** A node on the reference kernel: on ref its own, on cpu (no cpu kernel for the op) the one it overlays. */
  private static void onRef(List<NodePlacement> placement, String name, String device, String op) {
    NodePlacement p = node(placement, name);
    assertEquals("ref", p.device(), placement.toString());
    assertEquals(device.equals("cpu") ? "no cpu kernel for " + op : null, p.fallbackReason());
  }

  @Test
  void anOpWeLackRunsOnOrtBetweenCpuNodes() {
    try (Tensor x = randomFloats(new Random(9), 2, 3, 4)) {
      for (String device : List.of("cpu", "ref")) {
        List<NodePlacement> p = sameAsOrt(() -> betweenReluAndMul("Hardmax"), device, Map.of("x", x));
        onOrt(p, "op", device, "Hardmax");
        assertEquals(device, node(p, "relu").device(), p.toString());
        // the session's own kernels run Mul (cpu's native broadcasting elementwise kernel)
        assertEquals(device, node(p, "mul").device(), p.toString());
        assertEquals(null, node(p, "mul").fallbackReason());
      }
    }
  }

  @Test
  void layerNormalizationRunsOnItsReferenceKernelBetweenCpuNodes() {
    try (Tensor x = randomFloats(new Random(9), 2, 3, 4)) {
      for (String device : List.of("cpu", "ref")) {
        List<NodePlacement> p = sameAsOrt(() -> betweenReluAndMul("LayerNormalization"), device, Map.of("x", x));
        onRef(p, "op", device, "LayerNormalization");
        assertEquals(device, node(p, "relu").device(), p.toString());
      }
    }
  }

  @Test
  void topKOnOrtFeedsEinsumOnRef() {
    try (Tensor x = randomFloats(new Random(8), 3, 5)) {
      List<NodePlacement> p = sameAsOrt(OrtFallbackTest::topKEinsum, "cpu", Map.of("x", x));
      onOrt(p, "topk", "cpu", "TopK");
      onRef(p, "einsum", "cpu", "Einsum");
      assertEquals("cpu", node(p, "relu").device());
    }
  }

  @Test
  void nonMaxSuppressionAfterCpuNodes() {
    float[] boxes = {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, -0.1f, 1, 0.9f, 0, 10, 1, 11, 0, 10.1f, 1, 11.1f, 0, 100, 1, 101};
    try (Tensor b = Tensor.ofFloats(Shape.of(1, 6, 4), boxes);
        Tensor s = Tensor.ofFloats(Shape.of(1, 1, 6), new float[] {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f})) {
      Map<String, Tensor> feeds = new LinkedHashMap<>();
      feeds.put("boxes", b);
      feeds.put("scores", s);
      List<NodePlacement> p = sameAsOrt(OrtFallbackTest::nms, "cpu", feeds);
      onRef(p, "nms", "cpu", "NonMaxSuppression");
    }
  }

  @Test
  void lstmRunsOnOrt() {
    try (Tensor x = randomFloats(new Random(7), 2, 1, 3)) {
      List<NodePlacement> p = sameAsOrt(OrtFallbackTest::lstm, "cpu", Map.of("x", x));
      onOrt(p, "lstm", "cpu", "LSTM");
    }
  }

  @Test
  void anIfWithABranchThatDoesNotFitTheFedShapesRunsOnOrt() {
    try (Tensor x = randomFloats(new Random(5), 2, 3); Tensor cond = Tensor.allocate(DType.BOOL, Shape.of())) {
      List<NodePlacement> p = sameAsOrt(OrtFallbackTest::ifWithABranchThatDoesNotFit, "cpu",
          Map.of("x", x, "cond", cond));
      onOrt(p, "if", "cpu", "If");
    }
  }

  @Test
  void anIfWhoseBranchesReadAnOuterValueRunsOnOrt() {
    for (boolean c : new boolean[] {true, false}) {
      try (Tensor x = randomFloats(new Random(6), 2, 3); Tensor cond = Tensor.allocate(DType.BOOL, Shape.of())) {
        cond.setLong(0, c ? 1 : 0);
        List<NodePlacement> p = sameAsOrt(OrtFallbackTest::ifModel, "cpu", Map.of("x", x, "cond", cond));
        onOrt(p, "if", "cpu", "If");
      }
    }
  }
}

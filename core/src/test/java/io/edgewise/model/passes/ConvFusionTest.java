package io.edgewise.model.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
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

/**
 * Conv [+ bias] [+ residual Add] [+ activation] becomes one io.edgewise.FusedConv with the activation's parameters;
 * the fused graph gives the unfused graph's outputs on ref (within 1e-5 relative).
 */
class ConvFusionTest {
  private static final SessionOptions PLAIN = SessionOptions.defaults().withOptimize(false);

  record Case(String activation, boolean bias, boolean residual, float[] params) {}

  @Test
  void everyActivationWithAndWithoutBiasAndResidualFusesAndKeepsTheOutputs() {
    List<Case> cases = List.of(
        new Case("Relu", true, false, null),
        new Case("Relu", false, true, null),
        new Case("Clip", true, false, new float[] {0, 6}),
        new Case("Clip", true, true, new float[] {-0.5f, 0.75f}),
        new Case("LeakyRelu", false, false, new float[] {0.2f}),
        new Case("HardSwish", true, false, null),
        new Case("Sigmoid", true, true, null),
        new Case("Tanh", false, false, null),
        new Case(null, true, true, null));
    for (Case c : cases) {
      String what = c.toString();
      Model before = build(c, Dim.of(2));
      Model after = OnnxImporter.load(OnnxExporter.toBytes(before), null);
      assertEquals(1, new ConvFusion().apply(after), what);
      List<Node> nodes = after.graph().nodes();
      assertEquals(List.of("FusedConv"), nodes.stream().map(Node::opType).toList(), what);
      Node fused = nodes.get(0);
      assertEquals(ConvFusion.DOMAIN, fused.domain(), what);
      assertEquals("y", fused.output(0), "the graph output keeps its name");
      assertEquals(c.residual() ? "r" : "", fused.input(3), what);
      assertEquals(c.bias() ? "b" : "", fused.input(2), what);
      assertEquals(c.activation(), fused.attrString("activation", null), what);
      float[] expectedParams = c.activation() != null && c.activation().equals("LeakyRelu") ? c.params()
          : c.activation() != null && c.activation().equals("Clip") ? c.params() : null;
      assertArrayEquals(expectedParams, fused.attrFloats("activation_params", null), what);
      assertArrayEquals(new long[] {1, 1, 1, 1}, fused.attrInts("pads", null), "Conv attributes carry over");
      assertEquals(1L, after.opsetImports().get(ConvFusion.DOMAIN));
      compare(before, after, what);
    }
  }

  @Test
  void activationsWrittenAsAGateOnTheirInputFuseInEitherOperandOrder() {
    for (String activation : new String[] {"SiLU", "HardSwish"}) {
      for (boolean residual : new boolean[] {false, true}) {
        for (boolean gateFirst : new boolean[] {false, true}) {
          String what = activation + ", residual " + residual + ", gate first " + gateFirst;
          Model before = withGate(build(new Case(null, true, residual, null), Dim.of(2)),
              gateNode(activation.equals("SiLU") ? "Sigmoid" : "HardSigmoid", 1f / 6), gateFirst, false);
          Model after = OnnxImporter.load(OnnxExporter.toBytes(before), null);
          assertEquals(1, new ConvFusion().apply(after), what);
          List<Node> nodes = after.graph().nodes();
          assertEquals(List.of("FusedConv"), nodes.stream().map(Node::opType).toList(), what);
          assertEquals(activation, nodes.get(0).attrString("activation", null), what);
          assertEquals("y", nodes.get(0).output(0), what);
          assertEquals(residual ? "r" : "", nodes.get(0).input(3), what);
          compare(before, after, what);
        }
      }
    }
  }

  @Test
  void relu6OfXPlusThreeOverSixAsAGateIsHardSwishWithTheDivisionBeforeOrAfterTheMul() {
    for (String form : new String[] {"Div", "Mul", "Div after", "Add 2"}) {
      for (boolean residual : new boolean[] {false, true}) {
        String what = form + ", residual " + residual;
        Model before = build(new Case(null, true, residual, null), Dim.of(2));
        Graph g = before.graph();
        g.producer("y").outputs().set(0, "pre");
        g.initializers().put("three", Tensor.ofFloats(Shape.of(), form.equals("Add 2") ? 2f : 3f));
        g.initializers().put("zero", Tensor.ofFloats(Shape.of(), 0f));
        g.initializers().put("six", Tensor.ofFloats(Shape.of(), 6f));
        g.initializers().put("sixth", Tensor.ofFloats(Shape.of(), 1f / 6));
        g.nodes().add(new Node("add3", "Add", List.of("pre", "three"), List.of("plus3")));
        g.nodes().add(new Node("relu6", "Clip", List.of("plus3", "zero", "six"), List.of("clipped")));
        if (form.equals("Div after")) {  // x * relu6(x + 3) / 6 in one expression: the division last
          g.nodes().add(new Node("mul", "Mul", List.of("clipped", "pre"), List.of("product")));
          g.nodes().add(new Node("scale", "Div", List.of("product", "six"), List.of("y")));
        } else {
          g.nodes().add(form.equals("Mul") ? new Node("scale", "Mul", List.of("sixth", "clipped"), List.of("gate"))
              : new Node("scale", "Div", List.of("clipped", "six"), List.of("gate")));
          g.nodes().add(new Node("mul", "Mul", List.of("pre", "gate"), List.of("y")));
        }
        Model after = OnnxImporter.load(OnnxExporter.toBytes(before), null);
        boolean fuses = !form.equals("Add 2");
        assertEquals(fuses || residual ? 1 : 0, new ConvFusion().apply(after), what);  // a residual Add fuses anyway
        List<String> ops = after.graph().nodes().stream().map(Node::opType).toList();
        assertEquals(fuses ? List.of("FusedConv")
            : List.of(residual ? "FusedConv" : "Conv", "Add", "Clip", "Div", "Mul"), ops, what);
        if (fuses) {
          assertEquals("HardSwish", after.graph().nodes().get(0).attrString("activation", null), what);
        }
        compare(before, after, what);
      }
    }
  }

  @Test
  void aGateWhoseOutputIsAlsoReadElsewhereIsNotFused() {
    try (Model m = withGate(build(new Case(null, true, false, null), Dim.of(2)), gateNode("Sigmoid", 0), false,
        true)) {
      assertEquals(0, new ConvFusion().apply(m));
      assertEquals(List.of("Conv", "Sigmoid", "Mul"), m.graph().nodes().stream().map(Node::opType).toList());
    }
  }

  @Test
  void aHardSigmoidGateThatIsNotHardSwishIsNotFused() {
    try (Model m = withGate(build(new Case(null, true, false, null), Dim.of(2)), gateNode("HardSigmoid", 0.2f),
        false, false)) {
      assertEquals(0, new ConvFusion().apply(m));
    }
  }

  private static Node gateNode(String op, float alpha) {
    Node n = new Node("gate", op, List.of("pre"), List.of("gate"));
    if (op.equals("HardSigmoid")) {
      n.setAttr(Attribute.ofFloat("alpha", alpha));
    }
    return n;
  }

  /**
   * The model's output y becomes pre -> gate node -> gate, Mul(pre, gate) -> y (Mul(gate, pre) when gateFirst);
   * with gateAlsoOutput the gate is a graph output too.
   */
  private static Model withGate(Model m, Node gate, boolean gateFirst, boolean gateAlsoOutput) {
    Graph g = m.graph();
    g.producer("y").outputs().set(0, "pre");
    g.nodes().add(gate);
    g.nodes().add(new Node("mul", "Mul", gateFirst ? List.of("gate", "pre") : List.of("pre", "gate"), List.of("y")));
    if (gateAlsoOutput) {
      g.outputs().add(ValueInfo.tensor("gate", DType.FLOAT32));
    }
    return m;
  }

  @Test
  void aSymbolicBatchResidualStillFuses() {
    Model m = build(new Case("Relu", true, true, null), Dim.symbol("N"));
    try (m) {
      assertEquals(1, new ConvFusion().apply(m));
      assertEquals(List.of("FusedConv"), m.graph().nodes().stream().map(Node::opType).toList());
      assertEquals("r", m.graph().nodes().get(0).input(3));
    }
  }

  @Test
  void aConvWhoseOutputIsAlsoReadElsewhereIsNotFused() {
    Model m = build(new Case("Relu", true, false, null), Dim.of(2));
    try (m) {
      Graph g = m.graph();
      g.nodes().add(new Node("side", "Sigmoid", List.of("c"), List.of("side_out")));
      g.outputs().add(ValueInfo.tensor("side_out", DType.FLOAT32));
      assertEquals(0, new ConvFusion().apply(m));
      assertEquals(List.of("Conv", "Relu", "Sigmoid"), g.nodes().stream().map(Node::opType).toList());
    }
  }

  @Test
  void clipWithBoundsComputedAtRunTimeIsNotFused() {
    Model m = build(new Case("Clip", true, false, new float[] {0, 6}), Dim.of(2));
    try (m) {
      Graph g = m.graph();
      // the upper bound now comes from a graph input: not a constant
      g.nodes().removeIf(n -> n.output(0).equals("hi"));
      g.inputs().add(ValueInfo.tensor("hi", DType.FLOAT32, Shape.of()));
      assertEquals(0, new ConvFusion().apply(m));
    }
  }

  /** x -> Conv(pads 1) -> [Add r] -> [activation] -> y; Clip's bounds are Constant nodes, as exporters write them. */
  static Model build(Case c, Dim batch) {
    Random rnd = new Random(7);
    Graph g = new Graph("fusion");
    List<Dim> dims = List.of(batch, Dim.of(3), Dim.of(5), Dim.of(5));
    List<Dim> outDims = List.of(batch, Dim.of(4), Dim.of(5), Dim.of(5));
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, dims, null));
    g.initializers().put("w", random(rnd, Shape.of(4, 3, 3, 3)));
    List<String> convInputs = new ArrayList<>(List.of("x", "w"));
    if (c.bias()) {
      g.initializers().put("b", random(rnd, Shape.of(4)));
      convInputs.add("b");
    }
    String tail = c.activation() == null && !c.residual() ? "y" : "c";
    Node conv = new Node("conv", "Conv", convInputs, List.of(tail));
    conv.setAttr(Attribute.ofInts("pads", 1, 1, 1, 1));
    g.nodes().add(conv);
    if (c.residual()) {
      g.inputs().add(new ValueInfo("r", DType.FLOAT32, outDims, null));
      String out = c.activation() == null ? "y" : "sum";
      g.nodes().add(new Node("add", "Add", List.of("r", tail), List.of(out)));
      tail = out;
    }
    if (c.activation() != null) {
      List<String> in = new ArrayList<>(List.of(tail));
      Node act = new Node("act", c.activation(), in, List.of("y"));
      if (c.activation().equals("Clip")) {
        g.nodes().add(constant("lo", c.params()[0]));
        g.nodes().add(constant("hi", c.params()[1]));
        in.add("lo");
        in.add("hi");
        act = new Node("act", "Clip", in, List.of("y"));
      } else if (c.activation().equals("LeakyRelu")) {
        act.setAttr(Attribute.ofFloat("alpha", c.params()[0]));
      }
      g.nodes().add(act);
    }
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, outDims, null));
    g.sortTopologically();
    return new Model(g, Map.of("", 14L), 8, "test", null, null);
  }

  private static Node constant(String name, float v) {
    Node n = new Node(name + "_node", "Constant", List.of(), List.of(name));
    n.setAttr(Attribute.ofTensor("value", Tensor.ofFloats(Shape.of(), v)));
    return n;
  }

  private static void compare(Model before, Model after, String what) {
    Random rnd = new Random(11);
    try (Tensor x = random(rnd, Shape.of(2, 3, 5, 5));
        Tensor r = random(rnd, Shape.of(2, 4, 5, 5));
        Session a = Session.open(before, PLAIN);
        Session b = Session.open(after, PLAIN)) {
      Map<String, Tensor> feeds = a.inputs().size() == 2 ? Map.of("x", x, "r", r) : Map.of("x", x);
      try (Tensor ya = a.run(feeds).get("y");
          Tensor yb = b.run(feeds).get("y")) {
        float[] e = ya.toFloatArray();
        float[] v = yb.toFloatArray();
        for (int i = 0; i < e.length; i++) {
          assertEquals(e[i], v[i], 1e-5 * Math.max(1, Math.abs(e[i])), what + " y[" + i + "]");
        }
      }
    }
  }

  static Tensor random(Random rnd, Shape s) {
    float[] v = new float[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return Tensor.ofFloats(s, v);
  }
}

package io.edgewise.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.FunctionProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Model-local functions (ModelProto.functions) inlined at import, on hand-built models. */
class FunctionInlinerTest {
  private static final String LOCAL = "local";

  private static ValueInfoProto floats(String name, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
  }

  private static NodeProto node(String op, List<String> in, List<String> out, AttributeProto... attrs) {
    return NodeProto.newBuilder().setOpType(op).addAllInput(in).addAllOutput(out).addAllAttribute(List.of(attrs))
        .build();
  }

  private static NodeProto call(String fn, List<String> in, List<String> out, AttributeProto... attrs) {
    return node(fn, in, out, attrs).toBuilder().setDomain(LOCAL).build();
  }

  private static AttributeProto floatAttr(String name, float v) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
  }

  private static AttributeProto ref(String name, String refName) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT)
        .setRefAttrName(refName).build();
  }

  private static OperatorSetIdProto opset(String domain, long v) {
    return OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(v).build();
  }

  /** LeakySquare(X) = LeakyRelu(X * X - 4, alpha): alpha defaults to 0.5; an internal value "t". */
  private static FunctionProto leakySquare() {
    return FunctionProto.newBuilder().setDomain(LOCAL).setName("LeakySquare").addInput("X").addOutput("Y")
        .addAttributeProto(floatAttr("alpha", 0.5f)).addOpsetImport(opset("", 17))
        .addNode(node("Mul", List.of("X", "X"), List.of("sq")))
        .addNode(node("Constant", List.of(), List.of("four"), AttributeProto.newBuilder().setName("value_float")
            .setType(AttributeProto.AttributeType.FLOAT).setF(4).build()))
        .addNode(node("Sub", List.of("sq", "four"), List.of("t")))
        .addNode(node("LeakyRelu", List.of("t"), List.of("Y"), ref("alpha", "alpha")))
        .build();
  }

  private static ModelProto model(GraphProto graph, FunctionProto... functions) {
    return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(opset("", 17)).addOpsetImport(opset(LOCAL, 1))
        .setGraph(graph).addAllFunctions(List.of(functions)).build();
  }

  private static Model load(ModelProto m) {
    return OnnxImporter.load(m.toByteArray(), null);
  }

  private static float[] run(Model m, String output, float... x) {
    try (Session s = Session.open(m, SessionOptions.defaults().withDevice("ref"));
        Tensor in = Tensor.ofFloats(Shape.of(x.length), x)) {
      Map<String, Tensor> out = s.run(Map.of("x", in));
      float[] v = out.get(output).toFloatArray();
      out.values().forEach(Tensor::close);
      return v;
    }
  }

  @Test
  void twoCallsInlineWithTheirOwnAttributesAndUniqueInternalNames() {
    // a = LeakySquare(x) with the default alpha 0.5, b = LeakySquare(a) with alpha 0.1
    GraphProto g = GraphProto.newBuilder().setName("g").addInput(floats("x", 3)).addOutput(floats("b", 3))
        .addNode(call("LeakySquare", List.of("x"), List.of("a")))
        .addNode(call("LeakySquare", List.of("a"), List.of("b"), floatAttr("alpha", 0.1f)))
        .build();
    try (Model m = load(model(g, leakySquare()))) {
      List<Node> nodes = m.graph().nodes();
      assertEquals(8, nodes.size());
      assertTrue(nodes.stream().noneMatch(n -> n.domain().equals(LOCAL)), nodes.toString());
      Set<String> outputs = new HashSet<>();
      for (Node n : nodes) {
        for (String o : n.outputs()) {
          assertTrue(outputs.add(o), "value " + o + " defined twice");
        }
      }
      assertTrue(outputs.contains("a") && outputs.contains("b"));
      List<Node> leaky = nodes.stream().filter(n -> n.opType().equals("LeakyRelu")).toList();
      assertEquals(0.5f, leaky.get(0).attrFloat("alpha", 0f));
      assertEquals(0.1f, leaky.get(1).attrFloat("alpha", 0f));
      // x = 1, 2, 3 -> a = -1.5, 0, 5 -> a^2 - 4 = -1.75, -4, 21 -> b = -0.175, -0.4, 21
      assertArrayEquals(new float[] {-0.175f, -0.4f, 21}, run(m, "b", 1, 2, 3), 1e-6f);
    }
  }

  @Test
  void nestedCallsAndOmittedInputsAndOutputs() {
    // Outer(X, Z) -> (Y, Extra): Y = LeakySquare(Clip(X, Z)) with alpha bound to Outer's "slope" (no default);
    // Extra = Identity(X). The call passes no Z (Clip's min is then absent) and asks only for Y.
    FunctionProto outer = FunctionProto.newBuilder().setDomain(LOCAL).setName("Outer").addInput("X").addInput("Z")
        .addOutput("Y").addOutput("Extra").addAttribute("slope").addOpsetImport(opset("", 17))
        .addOpsetImport(opset(LOCAL, 1))
        .addNode(node("Clip", List.of("X", "Z"), List.of("c")))
        .addNode(call("LeakySquare", List.of("c"), List.of("Y"), ref("alpha", "slope")))
        .addNode(node("Identity", List.of("X"), List.of("Extra")))
        .build();
    GraphProto g = GraphProto.newBuilder().setName("g").addInput(floats("x", 2)).addOutput(floats("y", 2))
        .addNode(call("Outer", List.of("x"), List.of("y"), floatAttr("slope", 2f)))
        .build();
    try (Model m = load(model(g, outer, leakySquare()))) {
      Node clip = m.graph().nodes().stream().filter(n -> n.opType().equals("Clip")).findFirst().orElseThrow();
      assertEquals("", clip.inputs().get(1));
      Node leaky = m.graph().nodes().stream().filter(n -> n.opType().equals("LeakyRelu")).findFirst().orElseThrow();
      assertEquals(2f, leaky.attrFloat("alpha", 0f));
      // x = 1, 3 -> 1 - 4 = -3 -> -6; 9 - 4 = 5
      assertArrayEquals(new float[] {-6, 5}, run(m, "y", 1, 3), 1e-6f);
    }
    // Outer's "slope" unset and without default: the reference is left out, so LeakySquare's default 0.5 applies
    GraphProto unset = g.toBuilder().clearNode().addNode(call("Outer", List.of("x"), List.of("y"))).build();
    try (Model m = load(model(unset, outer, leakySquare()))) {
      Node leaky = m.graph().nodes().stream().filter(n -> n.opType().equals("LeakyRelu")).findFirst().orElseThrow();
      assertEquals(0.5f, leaky.attrFloat("alpha", 0f));
      assertArrayEquals(new float[] {-1.5f, 5}, run(m, "y", 1, 3), 1e-6f);
    }
    // directly on a body node: the attribute is left out and the op's own default (LeakyRelu: 0.01) applies
    FunctionProto plain = FunctionProto.newBuilder().setDomain(LOCAL).setName("Plain").addInput("X").addOutput("Y")
        .addAttribute("alpha").addNode(node("LeakyRelu", List.of("X"), List.of("Y"), ref("alpha", "alpha")))
        .build();
    GraphProto direct = g.toBuilder().clearNode().addNode(call("Plain", List.of("x"), List.of("y"))).build();
    try (Model m = load(model(direct, plain))) {
      assertFalse(m.graph().nodes().get(0).hasAttr("alpha"));
      assertArrayEquals(new float[] {-0.01f, 3}, run(m, "y", -1, 3), 1e-6f);
    }
  }

  @Test
  void malformedFunctionsAreOneLineErrorsNamingTheFunction() {
    GraphProto g = GraphProto.newBuilder().setName("g").addInput(floats("x", 2)).addOutput(floats("y", 2))
        .addNode(call("Bad", List.of("x"), List.of("y")))
        .build();
    FunctionProto readsUndefined = FunctionProto.newBuilder().setDomain(LOCAL).setName("Bad").addInput("X")
        .addOutput("Y").addNode(node("Add", List.of("X", "nowhere"), List.of("Y"))).build();
    assertMalformed(model(g, readsUndefined), "local.Bad", "nowhere");
    FunctionProto recursive = FunctionProto.newBuilder().setDomain(LOCAL).setName("Bad").addInput("X")
        .addOutput("Y").addNode(call("Bad", List.of("X"), List.of("Y"))).build();
    assertMalformed(model(g, recursive), "local.Bad", "deeper than");
    FunctionProto unknownRef = FunctionProto.newBuilder().setDomain(LOCAL).setName("Bad").addInput("X")
        .addOutput("Y").addNode(node("LeakyRelu", List.of("X"), List.of("Y"), ref("alpha", "beta"))).build();
    assertMalformed(model(g, unknownRef), "local.Bad", "beta");
    FunctionProto noOutput = FunctionProto.newBuilder().setDomain(LOCAL).setName("Bad").addInput("X")
        .addOutput("Y").addNode(node("Relu", List.of("X"), List.of("Z"))).build();
    assertMalformed(model(g, noOutput), "local.Bad", "'Y'");
    GraphProto tooMany = g.toBuilder().clearNode().addNode(call("LeakySquare", List.of("x", "x"), List.of("y")))
        .build();
    assertMalformed(model(tooMany, leakySquare()), "local.LeakySquare", "2 inputs");
    assertMalformed(model(g, readsUndefined, readsUndefined), "local.Bad", "defined twice");
  }

  private static void assertMalformed(ModelProto m, String function, String detail) {
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> load(m).close());
    assertEquals(ErrorCode.INVALID_MODEL, e.code());
    String msg = e.getMessage();
    assertTrue(msg.contains("'" + function + "'") && msg.contains(detail), msg);
    assertFalse(msg.contains("\n"), msg);
  }

  @Test
  void aModelWithoutFunctionsIsUntouched() {
    ModelProto m = model(GraphProto.newBuilder().setName("g").addInput(floats("x", 1)).addOutput(floats("x", 1))
        .build());
    assertTrue(m == FunctionInliner.inline(m, "m"));
  }
}

package io.edgewise.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
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
import io.edgewise.tensor.TensorProtos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Import, export, re-import: for every ONNX node test and every shared model the graphs match (ops, wiring,
 * attributes, initializer bytes, declared types) and ref computes bit-identical outputs from both.
 */
class OnnxRoundTripTest {
  private static final SessionOptions REF = SessionOptions.defaults().withOptimize(false);

  @Test
  void everyNodeTestAndModelSurvivesExportBitForBit() throws IOException {
    List<Path> dirs = new ArrayList<>();
    try (Stream<Path> s = Files.list(TestData.onnxNode())) {
      s.filter(p -> Files.exists(p.resolve("model.onnx"))).sorted().forEach(dirs::add);
    }
    try (Stream<Path> s = Files.list(TestData.models())) {
      s.filter(p -> Files.exists(p.resolve("model.onnx"))).sorted().forEach(dirs::add);
    }
    int ran = 0;
    for (Path dir : dirs) {
      String what = dir.getFileName().toString();
      Model original = OnnxImporter.load(dir.resolve("model.onnx"));
      Model copy = OnnxImporter.load(OnnxExporter.toBytes(original), null);
      assertSameModel(original, copy, what);
      if (runBoth(dir, original, copy, what)) {
        ran++;
      }
    }
    assertTrue(ran > 150, "only " + ran + " of " + dirs.size() + " round trips could run on ref");
  }

  @Test
  void everyAttributeKindAndTheEdgewiseDomainRoundTrip(@TempDir Path tmp) {
    Graph body = new Graph("body");
    body.inputs().add(ValueInfo.tensor("b_in", DType.FLOAT32, Shape.of(2)));
    body.outputs().add(ValueInfo.tensor("b_out", DType.FLOAT32, Shape.of(2)));
    body.nodes().add(new Node("inner", "Relu", List.of("b_in"), List.of("b_out")));
    Graph g = new Graph("kinds");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(ValueInfo.Dim.symbol("N"), ValueInfo.Dim.of(3),
        ValueInfo.Dim.unknown()), null));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32));
    g.initializers().put("w", Tensor.ofLongs(DType.INT8, Shape.of(2, 2), 1, -2, 3, -4));
    g.valueInfo().put("x", ValueInfo.tensor("x", DType.FLOAT32));  // declared elsewhere: not repeated
    g.valueInfo().put("mid", ValueInfo.tensor("mid", DType.FLOAT32, Shape.of(4)));
    Node n = new Node("all", "Everything", "io.edgewise", List.of("x", "", "w"), List.of("mid"),
        new java.util.LinkedHashMap<>());
    n.setAttr(Attribute.ofInt("i", -7));
    n.setAttr(Attribute.ofFloat("f", 2.5f));
    n.setAttr(Attribute.ofString("s", "héllo"));
    n.setAttr(Attribute.ofInts("is", 1, 2, Long.MAX_VALUE));
    n.setAttr(Attribute.ofFloats("fs", 0.5f, Float.NEGATIVE_INFINITY));
    n.setAttr(Attribute.ofStrings("ss", List.of("a", "", "c")));
    n.setAttr(Attribute.ofTensor("t", Tensor.ofFloats(Shape.of(3), 1, 2, 3)));
    n.setAttr(new Attribute("g", Attribute.Kind.GRAPH, body));
    g.nodes().add(n);
    g.nodes().add(new Node("id", "Identity", List.of("mid"), List.of("y")));
    Map<String, Long> opsets = new java.util.LinkedHashMap<>();
    opsets.put("", 17L);
    try (Model m = new Model(g, opsets, 0, "", null, null)) {
      Path file = tmp.resolve("kinds.onnx");
      OnnxExporter.save(m, file);
      ModelProto proto = OnnxExporter.toProto(m);
      assertEquals(OnnxExporter.IR_VERSION, proto.getIrVersion(), "a model built in memory gets the default IR");
      assertEquals(10, OnnxExporter.irVersionFor(21), "opset 21 needs IR 10");
      assertTrue(proto.getOpsetImportList().stream().anyMatch(o -> o.getDomain().equals("io.edgewise")
          && o.getVersion() == 1), "the io.edgewise domain is imported when a node uses it");
      assertEquals(List.of("mid"), proto.getGraph().getValueInfoList().stream().map(v -> v.getName()).toList());
      assertEquals(List.of("x"), proto.getGraph().getInputList().stream().map(v -> v.getName()).toList(),
          "initializers are not repeated as graph inputs");
      try (Model back = OnnxImporter.load(file)) {
        assertSameModel(m, back, "kinds");
        Node copy = back.graph().nodes().get(0);
        assertEquals("io.edgewise", copy.domain());
        assertEquals(List.of("a", "", "c"), copy.attrStrings("ss"));
        assertArrayEquals(new float[] {1, 2, 3}, copy.attr("t").asTensor().toFloatArray());
        assertEquals(List.of("Relu"), copy.attr("g").asGraph().nodes().stream().map(Node::opType).toList());
        assertEquals("[N, 3, ?]", back.graph().inputs().get(0).dims().toString());
      }
    }
  }

  static void assertSameModel(Model a, Model b, String what) {
    assertEquals(a.opset(), b.opset(), what);
    assertSameGraph(a.graph(), b.graph(), what);
  }

  private static void assertSameGraph(Graph a, Graph b, String what) {
    assertEquals(a.nodes().size(), b.nodes().size(), what);
    for (int i = 0; i < a.nodes().size(); i++) {
      Node x = a.nodes().get(i);
      Node y = b.nodes().get(i);
      String where = what + " " + x.describe();
      assertEquals(x.name(), y.name(), where);
      assertEquals(x.opType(), y.opType(), where);
      assertEquals(x.domain(), y.domain(), where);
      assertEquals(x.inputs(), y.inputs(), where);
      assertEquals(x.outputs(), y.outputs(), where);
      assertEquals(x.attributes().keySet(), y.attributes().keySet(), where);
      for (Attribute attr : x.attributes().values()) {
        Attribute other = y.attr(attr.name());
        assertEquals(attr.kind(), other.kind(), where + " " + attr.name());
        switch (attr.kind()) {
          case TENSOR -> assertSameTensor(attr.asTensor(), other.asTensor(), where + " " + attr.name());
          case GRAPH -> assertSameGraph(attr.asGraph(), other.asGraph(), where + " " + attr.name());
          case FLOATS -> assertArrayEquals(attr.asFloats(), other.asFloats(), where);
          case INTS -> assertArrayEquals(attr.asInts(), other.asInts(), where);
          default -> assertEquals(attr.toString(), other.toString(), where);
        }
      }
    }
    assertEquals(a.initializers().keySet(), b.initializers().keySet(), what);
    a.initializers().forEach((k, t) -> assertSameTensor(t, b.initializers().get(k), what + " initializer " + k));
    assertEquals(types(a.inputs()), types(b.inputs()), what);
    assertEquals(types(a.outputs()), types(b.outputs()), what);
  }

  /** Declared types as text; types the runtime does not model (sequences...) are compared as just that. */
  private static List<String> types(List<ValueInfo> values) {
    return values.stream().map(v -> v.isSupported() ? v.toString() : v.name() + ": unsupported").toList();
  }

  private static void assertSameTensor(Tensor a, Tensor b, String what) {
    assertEquals(a.dtype(), b.dtype(), what);
    assertEquals(a.shape(), b.shape(), what);
    assertEquals(a.buffer(), b.buffer(), what + ": bytes differ");
  }

  /** Runs both models on ref with the test's inputs; true when they ran (bit-identical outputs asserted). */
  private static boolean runBoth(Path dir, Model original, Model copy, String what) {
    Map<String, Tensor> inputs = new HashMap<>();
    Session a = null;
    Session b = null;
    try {
      for (int k = 0; k < original.graph().inputs().size(); k++) {
        inputs.put(original.graph().inputs().get(k).name(),
            TensorProtos.readFile(dir.resolve("test_data_set_0/input_" + k + ".pb")));
      }
      a = Session.open(original, REF);
      original = null;
      b = Session.open(copy, REF);
      copy = null;
      Map<String, Tensor> ya = a.run(inputs);
      Map<String, Tensor> yb = b.run(inputs);
      try {
        assertEquals(ya.keySet(), yb.keySet(), what);
        for (String k : ya.keySet()) {
          assertSameTensor(ya.get(k), yb.get(k), what + " output " + k);
        }
      } finally {
        ya.values().forEach(Tensor::close);
        yb.values().forEach(Tensor::close);
      }
      return true;
    } catch (EdgewiseException e) {
      return false;  // unsupported types or ops: the import/export checks above still applied
    } finally {
      inputs.values().forEach(Tensor::close);
      for (AutoCloseable c : new AutoCloseable[] {a, b, original, copy}) {
        if (c != null) {
          try {
            c.close();
          } catch (Exception ignored) {
            // closing never fails for these
          }
        }
      }
    }
  }
}

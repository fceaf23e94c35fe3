package io.edgewise.model.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The value-dependent rules (Reshape fed by Shape/Gather/Concat or a Constant, Slice, ConstantOfShape, Expand,
 * Tile, Pad, Resize, Gather, Split) on an input whose batch is the symbol N: the symbolic result must name N where
 * the op keeps it, and, with N = 2, equal the shape ref actually produces.
 */
class ShapeArithmeticTest {
  @Test
  void symbolicBatchThroughShapeArithmeticMatchesRef() {
    Map<String, String> expectedSymbolic = new LinkedHashMap<>();
    Model model = build(expectedSymbolic);
    try (Model inferred = OnnxImporter.load(OnnxExporter.toBytes(model), null)) {
      ShapeInference.infer(inferred);
      Map<String, ValueInfo> types = inferred.graph().valueInfo();
      expectedSymbolic.forEach((value, dims) -> {
        assertNotNull(types.get(value), "no shape for " + value);
        assertEquals(dims, types.get(value).dims().toString(), value);
      });
      assertNull(types.get("unknown_op_out"), "an op without a rule must leave its output unknown");
      // N = 2: the same graph run on ref
      ValueInfo in = model.graph().inputs().get(0);
      model.graph().inputs().set(0, ValueInfo.tensor(in.name(), DType.FLOAT32, Shape.of(2, 3, 4, 6)));
      model.graph().outputs().removeIf(v -> v.name().equals("unknown_op_out"));
      model.graph().nodes().removeIf(n -> n.opType().equals("Frobnicate"));
      try (Session s = Session.open(model, SessionOptions.defaults().withOptimize(false));
          Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(2, 3, 4, 6))) {
        Map<String, Tensor> out = s.run(Map.of("x", x));
        try {
          for (String v : expectedSymbolic.keySet()) {
            List<Long> want = new ArrayList<>();
            for (Dim d : types.get(v).dims()) {
              want.add(d.isKnown() ? d.value() : "N".equals(d.param()) ? 2L : -99L);
            }
            List<Long> got = new ArrayList<>();
            for (long d : out.get(v).shape().dims()) {
              got.add(d);
            }
            assertEquals(want, got, v);
            assertEquals(out.get(v).dtype(), types.get(v).dtype(), v);
          }
        } finally {
          out.values().forEach(Tensor::close);
        }
      }
    }
  }

  private static Model build(Map<String, String> expect) {
    Graph g = new Graph("arith");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.symbol("N"), Dim.of(3), Dim.of(4), Dim.of(6)), null));
    init(g, "zero", Shape.of(), 0);
    init(g, "axis0", Shape.of(1), 0);
    init(g, "minus1", Shape.of(1), -1);
    init(g, "s1", Shape.of(1), 1);
    init(g, "e3", Shape.of(1), 3);
    init(g, "ax3", Shape.of(1), 3);
    init(g, "s2", Shape.of(1), 2);
    init(g, "e4", Shape.of(1), 4);
    init(g, "bigEnd", Shape.of(1), Long.MAX_VALUE);
    init(g, "pads", Shape.of(8), 0, 0, 1, 2, 0, 0, 1, 2);
    init(g, "repeats", Shape.of(4), 1, 1, 2, 1);
    init(g, "idx", Shape.of(1, 2), 0, 1);
    init(g, "split", Shape.of(2), 1, 2);
    g.initializers().put("scales", Tensor.ofFloats(Shape.of(4), 1, 1, 2, 0.5f));
    g.initializers().put("c", Tensor.ofFloats(Shape.of(1, 3, 1, 1), 1, 2, 3));

    node(g, "Shape", List.of("x"), List.of("shape"));
    node(g, "Gather", List.of("shape", "zero"), List.of("n"));
    node(g, "Unsqueeze", List.of("n", "axis0"), List.of("n1"));
    node(g, "Concat", List.of("n1", "minus1"), List.of("target")).setAttr(Attribute.ofInt("axis", 0));
    out(g, expect, node(g, "Reshape", List.of("x", "target"), List.of("flat")), "[N, 72]");
    out(g, expect, node(g, "Slice", List.of("x", "s1", "e3", "ax3"), List.of("sliced")), "[N, 3, 4, 2]");
    out(g, expect, node(g, "Slice", List.of("x", "axis0", "bigEnd", "axis0"), List.of("whole")), "[N, 3, 4, 6]");
    node(g, "Slice", List.of("shape", "s2", "e4"), List.of("hw"));
    Node cos = node(g, "ConstantOfShape", List.of("hw"), List.of("filled"));
    cos.setAttr(Attribute.ofTensor("value", Tensor.ofLongs(DType.INT64, Shape.of(1), 7)));
    out(g, expect, cos, "[4, 6]");
    out(g, expect, node(g, "Pad", List.of("x", "pads"), List.of("padded")), "[N, 3, 6, 10]");
    out(g, expect, node(g, "Resize", List.of("x", "", "scales"), List.of("resized")), "[N, 3, 8, 3]");
    out(g, expect, node(g, "Expand", List.of("c", "shape"), List.of("expanded")), "[N, 3, 4, 6]");
    out(g, expect, node(g, "Tile", List.of("x", "repeats"), List.of("tiled")), "[N, 3, 8, 6]");
    out(g, expect, node(g, "Gather", List.of("x", "idx"), List.of("gathered"), Attribute.ofInt("axis", 3)),
        "[N, 3, 4, 1, 2]");
    Node split = node(g, "Split", List.of("x", "split"), List.of("part0", "part1"), Attribute.ofInt("axis", 1));
    out(g, expect, split, "[N, 1, 4, 6]");
    g.outputs().add(ValueInfo.tensor("part1", DType.FLOAT32));
    expect.put("part1", "[N, 2, 4, 6]");
    Node k = node(g, "Constant", List.of(), List.of("k"));
    k.setAttr(Attribute.ofTensor("value", Tensor.ofLongs(DType.INT64, Shape.of(3), 0, 12, -1)));
    out(g, expect, node(g, "Reshape", List.of("x", "k"), List.of("byConstant")), "[N, 12, 6]");
    out(g, expect, node(g, "Flatten", List.of("x"), List.of("flattened")), "[N, 72]");
    out(g, expect, node(g, "Transpose", List.of("x"), List.of("transposed"),
        Attribute.ofInts("perm", 0, 2, 3, 1)), "[N, 4, 6, 3]");
    g.nodes().add(new Node("mystery", "Frobnicate", List.of("x"), List.of("unknown_op_out")));
    g.outputs().add(ValueInfo.tensor("unknown_op_out", DType.FLOAT32));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  private static void init(Graph g, String name, Shape shape, long... values) {
    g.initializers().put(name, Tensor.ofLongs(DType.INT64, shape, values));
  }

  private static Node node(Graph g, String op, List<String> in, List<String> out, Attribute... attrs) {
    Node n = new Node(op + "_" + g.nodes().size(), op, in, out);
    for (Attribute a : attrs) {
      n.setAttr(a);
    }
    g.nodes().add(n);
    return n;
  }

  private static void out(Graph g, Map<String, String> expect, Node n, String dims) {
    g.outputs().add(ValueInfo.tensor(n.output(0), n.opType().equals("ConstantOfShape") ? DType.INT64
        : DType.FLOAT32));
    expect.put(n.output(0), dims);
  }
}

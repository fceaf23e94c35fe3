package io.edgewise.model.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules of IndexShapes and Shape's start/end (opset 15), on one small graph. */
class IndexShapesTest {
  private static Node node(String op, List<String> in, List<String> out, Attribute... attrs) {
    Node n = new Node(out.get(0), op, in, out);
    for (Attribute a : attrs) {
      n.setAttr(a);
    }
    return n;
  }

  private static String type(Model m, String value) {
    ValueInfo v = m.graph().valueInfo().get(value);
    return v == null ? "unknown" : v.dtype() + "" + v.dims().stream().map(d -> d.isKnown() ? "" + d.value() : "?")
        .toList();
  }

  @Test
  void rulesGiveTheShapesTheKernelsProduce() {
    Graph g = new Graph("g");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(2, 8, 4, 6)));
    g.inputs().add(ValueInfo.tensor("idx", DType.INT64, Shape.of(2, 3, 4, 6)));
    g.inputs().add(ValueInfo.tensor("boxes", DType.FLOAT32, Shape.of(1, 5, 4)));
    g.inputs().add(ValueInfo.tensor("scores", DType.FLOAT32, Shape.of(1, 2, 5)));
    g.nodes().add(node("Shape", List.of("x"), List.of("last2"), Attribute.ofInt("start", -2)));
    g.nodes().add(node("Shape", List.of("x"), List.of("mid"), Attribute.ofInt("start", 1), Attribute.ofInt("end",
        -1)));
    g.nodes().add(node("Shape", List.of("x"), List.of("none"), Attribute.ofInt("start", 3), Attribute.ofInt("end",
        1)));
    g.nodes().add(node("LayerNormalization", List.of("x", "x"), List.of("ln", "mean", "inv"),
        Attribute.ofInt("axis", 2)));
    g.nodes().add(node("DepthToSpace", List.of("x"), List.of("d2s"), Attribute.ofInt("blocksize", 2)));
    g.nodes().add(node("SpaceToDepth", List.of("x"), List.of("s2d"), Attribute.ofInt("blocksize", 2)));
    g.nodes().add(node("GatherElements", List.of("x", "idx"), List.of("ge"), Attribute.ofInt("axis", 1)));
    g.nodes().add(node("CumSum", List.of("x", "last2"), List.of("cs")));
    g.nodes().add(node("NonMaxSuppression", List.of("boxes", "scores"), List.of("sel")));
    try (Model m = new Model(g, Map.of("", 17L), 8, "test", null, null)) {
      ShapeInference.infer(m);
      assertEquals("INT64[2]", type(m, "last2"));
      assertEquals("INT64[2]", type(m, "mid"));
      assertEquals("INT64[0]", type(m, "none"));
      assertEquals("FLOAT32[2, 8, 4, 6]", type(m, "ln"));
      assertEquals("FLOAT32[2, 8, 1, 1]", type(m, "mean"));
      assertEquals("FLOAT32[2, 8, 1, 1]", type(m, "inv"));
      assertEquals("FLOAT32[2, 2, 8, 12]", type(m, "d2s"));
      assertEquals("FLOAT32[2, 32, 2, 3]", type(m, "s2d"));
      assertEquals("FLOAT32[2, 3, 4, 6]", type(m, "ge"));
      assertEquals("FLOAT32[2, 8, 4, 6]", type(m, "cs"));
      assertEquals("INT64[?, 3]", type(m, "sel"));
    }
  }
}

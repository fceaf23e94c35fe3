package io.edgewise.model.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which nodes ShapeSubgraphs finds to depend on the input shapes only, on small graphs written by hand. */
class ShapeSubgraphsTest {
  /** The names of the nodes marked, in graph order. */
  private static List<String> marked(Graph g) {
    boolean[] m = ShapeSubgraphs.shapeDetermined(g);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < m.length; i++) {
      if (m[i]) {
        out.add(g.nodes().get(i).name());
      }
    }
    return out;
  }

  private static Graph withInput(String... extraInputs) {
    Graph g = new Graph("g");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.symbol("n"), Dim.of(4), Dim.symbol("w")), null));
    for (String name : extraInputs) {
      g.inputs().add(new ValueInfo(name, DType.INT64, List.of(Dim.of(2)), null));
    }
    return g;
  }

  private static void add(Graph g, String op, List<String> in, String out) {
    g.nodes().add(new Node(out, op, in, List.of(out)));
  }

  @Test
  void theHeadsShapeArithmeticIsMarkedAndTheDataPathIsNot() {
    // y = Relu(x); s = Concat(Gather(Shape(y), 0), [-1]); out = Reshape(y, s): exporters' flatten of [N, C, W]
    try (Graph g = withInput()) {
      g.initializers().put("zero", Tensor.ofLongs(DType.INT64, Shape.scalar(), 0));
      g.initializers().put("minus1", Tensor.ofLongs(DType.INT64, Shape.of(1), -1));
      g.initializers().put("axes", Tensor.ofLongs(DType.INT64, Shape.of(1), 0));
      add(g, "Relu", List.of("x"), "y");
      add(g, "Shape", List.of("y"), "s0");
      add(g, "Gather", List.of("s0", "zero"), "n");
      add(g, "Unsqueeze", List.of("n", "axes"), "n1");
      Node concat = new Node("s", "Concat", List.of("n1", "minus1"), List.of("s"));
      concat.setAttr(Attribute.ofInt("axis", 0));
      g.nodes().add(concat);
      add(g, "Cast", List.of("s"), "s64");
      add(g, "Reshape", List.of("y", "s64"), "flat");
      // the Reshape's output shape is known too, so the shape of what follows it is
      add(g, "Shape", List.of("flat"), "s1");
      add(g, "Reshape", List.of("flat", "s1"), "out");
      g.outputs().add(ValueInfo.tensor("out", DType.FLOAT32));
      assertEquals(List.of("s0", "n", "n1", "s", "s64", "s1"), marked(g));
    }
  }

  @Test
  void aShapeThatFollowsAnInputsValuesIsNotMarked() {
    // r = Reshape(x, shape) with shape fed at run time: Shape(r) changes with the fed values, not the input shapes
    try (Graph g = withInput("shape")) {
      add(g, "Reshape", List.of("x", "shape"), "r");
      add(g, "Shape", List.of("r"), "s");
      add(g, "Reshape", List.of("x", "s"), "out");
      g.outputs().add(ValueInfo.tensor("out", DType.FLOAT32));
      assertEquals(List.of(), marked(g));
    }
  }

  @Test
  void opsWithoutAShapeRuleOfOursRandomOpsAndGraphOutputsAreNotMarked() {
    try (Graph g = withInput()) {
      g.initializers().put("k", Tensor.ofLongs(DType.INT64, Shape.of(1), 2));
      add(g, "NonZero", List.of("x"), "nz");  // how many elements are non-zero: a shape from the values
      add(g, "Shape", List.of("nz"), "s_nz");
      add(g, "TopK", List.of("x", "k"), "top");  // k is an initializer: the shape is known
      add(g, "Shape", List.of("top"), "s_top");
      add(g, "RandomNormalLike", List.of("s_top"), "noise");
      add(g, "Shape", List.of("x"), "s_out");  // a graph output: the caller gets its own tensor every run
      add(g, "Expand", List.of("x", "s_nz"), "e");
      g.outputs().add(ValueInfo.tensor("s_out", DType.INT64));
      g.outputs().add(ValueInfo.tensor("e", DType.FLOAT32));
      g.outputs().add(ValueInfo.tensor("noise", DType.FLOAT32));
      assertEquals(List.of("s_top"), marked(g));
    }
  }

  @Test
  void anInputThatOverridesAnInitializerIsNotAConstant() {
    try (Graph g = withInput("shape")) {
      g.initializers().put("shape", Tensor.ofLongs(DType.INT64, Shape.of(2), 4, -1));  // a default the caller may feed
      add(g, "Cast", List.of("shape"), "c");
      add(g, "Reshape", List.of("x", "c"), "out");
      g.outputs().add(ValueInfo.tensor("out", DType.FLOAT32));
      assertEquals(List.of(), marked(g));
    }
  }
}

package io.edgewise.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.NativeLeakGuard;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cpu device's native strided copies (Slice, Split, Transpose) against the reference kernels, bit for bit:
 * steps forward and backward, several axes, uneven split parts, the channel axis of NCHW and the last axis.
 */
@ExtendWith(NativeLeakGuard.class)
class CpuStridedCopyTest {
  private static final long[] DIMS = {2, 7, 5, 6};

  @Test
  void slicesMatchTheReference() {
    check(() -> slice(new long[] {1}, new long[] {6}, new long[] {1}, new long[] {2}), "channels 1..6 step 2");
    check(() -> slice(new long[] {-1, 4}, new long[] {Long.MIN_VALUE, 0}, new long[] {1, 2}, new long[] {-1, -2}),
        "channels backwards, rows backwards by 2");
    check(() -> slice(new long[] {0, 1}, new long[] {1, 5}, new long[] {0, 3}, new long[] {1, 1}), "batch 0, columns 1..4");
    check(() -> slice(new long[] {3}, new long[] {3}, new long[] {1}, new long[] {1}), "an empty slice");
  }

  @Test
  void splitsMatchTheReference() {
    check(() -> split(1, 3, 4), "channels 3 + 4");
    check(() -> split(3, 1, 2, 3), "columns 1 + 2 + 3");
    check(() -> split(0, 1, 1), "batch halves");
  }

  @Test
  void transposesMatchTheReference() {
    check(() -> {
      Graph g = graph();
      Node n = new Node("t", "Transpose", List.of("x"), List.of("y"));
      n.setAttr(Attribute.ofInts("perm", 0, 2, 3, 1));
      g.nodes().add(n);
      return g;
    }, "NCHW to NHWC");
  }

  /** Runs the graph on both devices (a session owns its model: each gets a fresh one). */
  private static void check(Supplier<Graph> graph, String what) {
    float[] v = new float[(int) Shape.of(DIMS).numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    try (Tensor x = Tensor.ofFloats(Shape.of(DIMS), v)) {
      assertArrayEquals(SingleOutputRun.run(model(graph), "ref", 2, x), SingleOutputRun.run(model(graph), "cpu", 2, x),
          what);
    }
  }

  private static Model model(Supplier<Graph> graph) {
    Graph g = graph.get();
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  private static Graph slice(long[] starts, long[] ends, long[] axes, long[] steps) {
    Graph g = graph();
    g.initializers().put("starts", ints(starts));
    g.initializers().put("ends", ints(ends));
    g.initializers().put("axes", ints(axes));
    g.initializers().put("steps", ints(steps));
    g.nodes().add(new Node("s", "Slice", List.of("x", "starts", "ends", "axes", "steps"), List.of("y")));
    return g;
  }

  /** Split into parts, then Concat of the parts in reverse order (so every part is in the output). */
  private static Graph split(int axis, long... sizes) {
    Graph g = graph();
    g.initializers().put("sizes", ints(sizes));
    List<String> parts = new java.util.ArrayList<>();
    List<String> reversed = new java.util.ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      parts.add("part" + i);
      reversed.add(0, "part" + i);
    }
    Node s = new Node("s", "Split", List.of("x", "sizes"), parts);
    s.setAttr(Attribute.ofInt("axis", axis));
    g.nodes().add(s);
    Node c = new Node("c", "Concat", reversed, List.of("y"));
    c.setAttr(Attribute.ofInt("axis", axis));
    g.nodes().add(c);
    return g;
  }

  private static Graph graph() {
    Graph g = new Graph("strided");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, Arrays.stream(DIMS).mapToObj(Dim::of).toList(), null));
    return g;
  }

  private static Tensor ints(long... v) {
    return Tensor.ofLongs(DType.INT64, Shape.of(v.length), v);
  }
}

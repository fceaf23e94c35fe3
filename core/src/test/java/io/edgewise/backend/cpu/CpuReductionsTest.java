package io.edgewise.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.NodePlacement;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.NativeLeakGuard;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cpu device's native reductions (ReduceSum/Mean/Max/Min over a contiguous run of axes) and Concat (strided word
 * copies, float32 and int64) against the reference kernels: every axis set of several shapes, keepdims, axes as an
 * attribute (opset 13) and as an input (opset 18), NaN; that the native kernel (not a fallback) ran, that scattered
 * axes fall back with a reason; and bad sizes refused on the host.
 */
@ExtendWith(NativeLeakGuard.class)
class CpuReductionsTest {
  private static final String[] OPS = {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin"};

  @Test
  void reductionsMatchTheReferenceOverContiguousAxes() {
    long[][] shapes = {{1, 40, 120}, {2, 3, 5, 7}, {3, 1031}, {4, 1, 6}, {17}};
    Random rnd = new Random(3);
    for (long[] dims : shapes) {
      for (long[] axes : contiguousAxes(dims.length)) {
        for (String op : OPS) {
          for (int opset : new int[] {13, 18}) {
            if (op.equals("ReduceSum") && opset == 13) {
              continue;  // ReduceSum's axes are an input from 13 on: covered at 18
            }
            for (long keep : new long[] {0, 1}) {
              Supplier<Model> m = () -> reduce(op, dims, axes, keep, opset);
              try (Tensor x = TestGraphs.random(rnd, Shape.of(dims), 3f)) {
                if (x.size() > 10) {
                  x.setDouble(x.size() / 3, Float.NaN);
                }
                String what = op + " " + Arrays.toString(dims) + " axes " + Arrays.toString(axes) + " keepdims "
                    + keep + " opset " + opset;
                assertClose(ref(m.get(), x), onCpu(m.get(), x, op, true), 1e-6, what);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void scatteredAxesFallBackToTheReferenceWithAReason() {
    long[] dims = {2, 3, 4, 5};
    try (Tensor x = TestGraphs.random(new Random(5), Shape.of(dims), 1f)) {
      Supplier<Model> m = () -> reduce("ReduceMean", dims, new long[] {1, 3}, 1, 13);
      assertClose(ref(m.get(), x), onCpu(m.get(), x, "ReduceMean", false), 1e-6, "ReduceMean axes 1, 3");
    }
  }

  @Test
  void concatMatchesTheReferenceOnEveryAxis() {
    long[][] dims = {{2, 3, 4, 5}, {2, 1, 4, 5}, {2, 3, 7, 5}, {2, 3, 4, 1}};
    Random rnd = new Random(9);
    for (int axis = -4; axis < 4; axis++) {
      int a = axis < 0 ? axis + 4 : axis;
      long[] xDims = {2, 3, 4, 5};
      long[] other = xDims.clone();
      other[a] = dims[a][a] == xDims[a] ? 2 : dims[a][a];
      long seed = rnd.nextLong();
      int ax = axis;
      Supplier<Model> m = () -> {
        Graph g = new Graph("concat");
        g.inputs().add(input("x", xDims, DType.FLOAT32));
        g.initializers().put("b", TestGraphs.random(new Random(seed), Shape.of(other)));
        g.initializers().put("c", TestGraphs.random(new Random(seed + 1), Shape.of(xDims)));
        Node n = new Node("cat", "Concat", List.of("b", "x", "c"), List.of("y"));
        n.setAttr(Attribute.ofInt("axis", ax));
        g.nodes().add(n);
        g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
        return new Model(g, Map.of("", 13L), 8, "test", null, null);
      };
      try (Tensor x = TestGraphs.random(rnd, Shape.of(xDims), 1f)) {
        assertClose(ref(m.get(), x), onCpu(m.get(), x, "Concat", true), 0, "Concat axis " + axis);
      }
    }
    // int64 (shape vectors): word pairs
    Supplier<Model> m = () -> {
      Graph g = new Graph("concat64");
      g.inputs().add(input("x", new long[] {2, 2}, DType.INT64));
      g.initializers().put("b", Tensor.ofLongs(DType.INT64, Shape.of(2, 3), 1L << 40, -2, 3, 4, 5, -(1L << 35)));
      Node n = new Node("cat", "Concat", List.of("x", "b"), List.of("y"));
      n.setAttr(Attribute.ofInt("axis", 1));
      g.nodes().add(n);
      g.outputs().add(new ValueInfo("y", DType.INT64, null, null));
      return new Model(g, Map.of("", 13L), 8, "test", null, null);
    };
    try (Tensor x = Tensor.ofLongs(DType.INT64, Shape.of(2, 2), 7, -(1L << 50), 9, 10)) {
      assertClose(ref(m.get(), x), onCpu(m.get(), x, "Concat", true), 0, "Concat int64");
    }
  }

  @Test
  void badSizesAreRefusedOnTheHost() {
    try (Tensor a = Tensor.allocate(DType.FLOAT32, Shape.of(10));
        Tensor y = Tensor.allocate(DType.FLOAT32, Shape.of(4))) {
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> NativeCore.reduce("mean7",
          NativeCore.REDUCE_MEAN, 3, 4, 1, a.nativeAddress(), 10, y.nativeAddress(), 4));
      assertTrue(e.getMessage().contains("mean7"), e.getMessage());
      assertThrows(EdgewiseException.class, () -> NativeCore.reduce("r", NativeCore.REDUCE_SUM, 5, 2, 1,
          a.nativeAddress(), 10, y.nativeAddress(), 4));
      assertThrows(EdgewiseException.class, () -> NativeCore.reduce("r", 9, 1, 2, 1, a.nativeAddress(), 10,
          y.nativeAddress(), 4));
      e = assertThrows(EdgewiseException.class, () -> NativeCore.concat32("cat3", 2, new long[] {a.nativeAddress(),
          a.nativeAddress()}, new long[] {3, 6}, new long[] {10, 10}, y.nativeAddress(), 4));
      assertTrue(e.getMessage().contains("cat3"), e.getMessage());
      assertThrows(EdgewiseException.class, () -> NativeCore.concat32("cat", 1, new long[] {a.nativeAddress()},
          new long[] {4}, new long[] {10}, y.nativeAddress(), 3));
    }
    // a Concat whose inputs do not fit: the reference's error, naming the node, from a session
    Graph g = new Graph("bad");
    g.inputs().add(input("x", new long[] {2, 3}, DType.FLOAT32));
    g.initializers().put("b", Tensor.ofFloats(Shape.of(4, 4), new float[16]));
    g.nodes().add(new Node("badcat", "Concat", List.of("x", "b"), List.of("y")));
    g.nodes().get(0).setAttr(Attribute.ofInt("axis", 0));
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
    Model m = new Model(g, Map.of("", 13L), 8, "test", null, null);
    try (Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(2, 3))) {
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> SingleOutputRun.run(m,
          SessionOptions.defaults().withDevice("cpu").withOptimize(false), x));
      assertTrue(e.getMessage().contains("badcat"), e.getMessage());
    }
  }

  /** Every run of consecutive axes, and all axes as an empty list. */
  private static List<long[]> contiguousAxes(int rank) {
    List<long[]> all = new ArrayList<>();
    for (int first = 0; first < rank; first++) {
      for (int last = first; last < rank; last++) {
        long[] a = new long[last - first + 1];
        for (int i = 0; i < a.length; i++) {
          a[i] = first + i - (i % 2 == 1 ? rank : 0);  // every other axis written negative
        }
        all.add(a);
      }
    }
    all.add(new long[0]);
    return all;
  }

  private static Model reduce(String op, long[] dims, long[] axes, long keep, int opset) {
    Graph g = new Graph("reduce");
    g.inputs().add(input("x", dims, DType.FLOAT32));
    boolean axesInput = opset >= 18 || op.equals("ReduceSum");
    List<String> inputs = new ArrayList<>(List.of("x"));
    if (axesInput && axes.length > 0) {
      g.initializers().put("axes", Tensor.ofLongs(DType.INT64, Shape.of(axes.length), axes));
      inputs.add("axes");
    }
    Node n = new Node("red", op, inputs, List.of("y"));
    if (!axesInput && axes.length > 0) {
      n.setAttr(Attribute.ofInts("axes", axes));
    }
    n.setAttr(Attribute.ofInt("keepdims", keep));
    g.nodes().add(n);
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
    return new Model(g, Map.of("", (long) opset), 8, "test", null, null);
  }

  private static float[] ref(Model m, Tensor x) {
    return run(m, SessionOptions.defaults().withDevice("ref").withOptimize(false), x, null, false);
  }

  /** y on cpu; the node of type `op` ran on cpu's own kernel (native) or fell back to ref with a reason. */
  private static float[] onCpu(Model m, Tensor x, String op, boolean nativeKernel) {
    return run(m, SessionOptions.defaults().withDevice("cpu").withThreads(2).withOptimize(false), x, op,
        nativeKernel);
  }

  private static float[] run(Model m, SessionOptions options, Tensor x, String op, boolean nativeKernel) {
    try (Session s = Session.open(m, options)) {
      Map<String, Tensor> out = s.run(Map.of("x", x));
      try {
        if (op != null) {
          NodePlacement p = s.placement().stream().filter(n -> n.op().endsWith(op)).findFirst()
              .orElseThrow(() -> new AssertionError("no " + op + " in " + s.placement()));
          if (nativeKernel) {
            assertEquals("cpu", p.device(), p.toString());
            assertNull(p.fallbackReason(), p.toString());
          } else {
            assertTrue(p.fellBack(), p.toString());
          }
        }
        double[] d = out.get("y").toDoubleArray();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
          f[i] = (float) d[i];
        }
        return f;
      } finally {
        out.values().forEach(Tensor::close);
      }
    }
  }

  private static ValueInfo input(String name, long[] dims, DType t) {
    List<Dim> ds = new ArrayList<>();
    for (long d : dims) {
      ds.add(Dim.of(d));
    }
    return new ValueInfo(name, t, ds, null);
  }

  private static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
    assertEquals(expected.length, actual.length, what + ": element count");
    for (int i = 0; i < expected.length; i++) {
      if (Float.isNaN(expected[i])) {
        assertTrue(Float.isNaN(actual[i]), what + " element " + i + ": expected NaN, got " + actual[i]);
      } else {
        assertEquals(expected[i], actual[i], tolerance * Math.max(1, Math.abs(expected[i])), what + " element " + i);
      }
    }
  }
}

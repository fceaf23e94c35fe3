package io.edgewise.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cpu device's native elementwise arithmetic (ew_eltwise), fused elementwise chains in NCHW and in the blocked
 * layout, ConvTranspose, nearest and linear Resize and Softmax, each against the reference kernels node by node:
 * many shapes (odd sizes, scalars, rows, channels, ranks that differ), NaN and infinities; and bad sizes refused on
 * the host.
 */
@ExtendWith(NativeLeakGuard.class)
class CpuElementwiseTest {
  private static final String[] BINARY = {"Add", "Sub", "Mul", "Div", "Max", "Min"};

  /** [x shape, other shape] pairs: every NumPy broadcast pattern the shapes allow, in both orders below. */
  private static final long[][][] PAIRS = {
      {{2, 3, 5, 7}, {2, 3, 5, 7}},
      {{2, 3, 5, 7}, {}},
      {{2, 3, 5, 7}, {1}},
      {{2, 3, 5, 7}, {7}},
      {{2, 3, 5, 7}, {3, 1, 1}},
      {{2, 3, 5, 7}, {1, 3, 1, 1}},
      {{2, 3, 5, 7}, {2, 1, 5, 1}},
      {{2, 1, 5, 1}, {1, 3, 1, 7}},
      {{1, 40, 97}, {1, 40, 1}},
      {{3, 1031}, {1031}},
      {{17}, {17}},
      {{1, 24, 33, 31}, {24, 1, 1}},
  };

  @Test
  void binaryOpsMatchTheReferenceOnEveryBroadcast() {
    Random rnd = new Random(1);
    for (long[][] pair : PAIRS) {
      for (boolean swap : new boolean[] {false, true}) {
        for (String op : BINARY) {
          long seed = rnd.nextLong();
          java.util.function.Supplier<Model> m = () -> {
            Graph g = new Graph("binary");
            g.inputs().add(input("x", pair[0]));
            g.initializers().put("b", values(new Random(seed), Shape.of(pair[1])));
            g.nodes().add(new Node("op", op, swap ? List.of("b", "x") : List.of("x", "b"), List.of("y")));
            g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
            return new Model(g, Map.of("", 13L), 8, "test", null, null);
          };
          try (Tensor x = values(rnd, Shape.of(pair[0]))) {
            float[][] r = both(m, x, null);
            assertSame(r[0], r[1], 0,
                op + " " + java.util.Arrays.toString(pair[0]) + " with " + java.util.Arrays.toString(pair[1])
                    + (swap ? " swapped" : ""));
          }
        }
      }
    }
  }

  /**
   * The PaddleOCR pattern: convolution, scale, bias, x * Clip(x + 3, 0, 6) / 6, scale, bias, depthwise convolution,
   * on 24 channels (not whole blocks: the padding lanes must stay zero) and on 32. The chain runs blocked.
   */
  @Test
  void hardSwishWrittenOutAroundConvolutionsRunsBlockedAsTheReference() {
    for (int c : new int[] {24, 32}) {
      java.util.function.Supplier<Model> m = () -> ocrBlock(c);
      try (Tensor x = TestGraphs.random(new Random(1), Shape.of(1, 3, 19, 23))) {
        Set<String> ops = new HashSet<>();
        float[][] r = both(m, x, ops);
        assertClose(r[0], r[1], 1e-4, "OCR block with " + c + " channels");
        assertTrue(ops.contains(CpuElementwise.BLOCKED), "the chain did not run blocked: " + ops);
        for (String op : BINARY) {
          assertFalse(ops.contains(op), op + " ran on its own: " + ops);
        }
        assertFalse(ops.contains("FromNchwc") && ops.contains("ToNchwc") && ops.size() > 6,
            "layout conversions around the chain: " + ops);
      }
    }
  }

  private static Model ocrBlock(int c) {
    {
      Random rnd = new Random(c);
      Graph g = new Graph("ocr-block");
      g.inputs().add(input("x", new long[] {1, 3, 19, 23}));
      TestGraphs.conv(g, rnd, "conv1", "x", c, 3, 3, 1, 1, 1, 1, true);
      g.initializers().put("s1", Tensor.ofFloats(Shape.of(1), 1.3f));
      g.initializers().put("b1", Tensor.ofFloats(Shape.of(1), -0.2f));
      g.initializers().put("three", Tensor.ofFloats(Shape.of(), 3f));
      g.initializers().put("zero", Tensor.ofFloats(Shape.of(), 0f));
      g.initializers().put("six", Tensor.ofFloats(Shape.of(), 6f));
      g.initializers().put("s2", TestGraphs.random(rnd, Shape.of(c, 1, 1)));
      g.initializers().put("b2", TestGraphs.random(rnd, Shape.of(1, c, 1, 1)));
      g.nodes().add(new Node("mul1", "Mul", List.of("s1", "conv1"), List.of("m1")));
      g.nodes().add(new Node("add1", "Add", List.of("m1", "b1"), List.of("a1")));
      g.nodes().add(new Node("add3", "Add", List.of("a1", "three"), List.of("a3")));
      g.nodes().add(new Node("clip", "Clip", List.of("a3", "zero", "six"), List.of("cl")));
      g.nodes().add(new Node("gate", "Mul", List.of("a1", "cl"), List.of("hm")));
      g.nodes().add(new Node("div6", "Div", List.of("hm", "six"), List.of("hs")));
      g.nodes().add(new Node("mul2", "Mul", List.of("s2", "hs"), List.of("m2")));
      g.nodes().add(new Node("add2", "Add", List.of("m2", "b2"), List.of("a2")));
      TestGraphs.conv(g, rnd, "y", "a2", c, 1, 3, 1, 1, 1, c, true);
      g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
      return new Model(g, Map.of("", 13L), 8, "test", null, null);
    }
  }

  /** The normalisation exporters write: (x - mean) / Sqrt(Pow(x - mean, 2) + eps) * gamma + beta, in NCHW. */
  @Test
  void chainsInTheRowLayoutMatchTheReferenceWithSpecialValues() {
    java.util.function.Supplier<Model> m = CpuElementwiseTest::norm;
    try (Tensor x = values(new Random(2), Shape.of(1, 40, 97))) {
      Set<String> ops = new HashSet<>();
      float[][] r = both(m, x, ops);
      assertSame(r[0], r[1], 1e-6, "normalisation chain");
      assertTrue(ops.contains(CpuElementwise.CHAIN), "the chain was not fused: " + ops);
    }
  }

  private static Model norm() {
    Random rnd = new Random(9);
    Graph g = new Graph("norm");
    g.inputs().add(input("x", new long[] {1, 40, 97}));
    g.initializers().put("mean", values(rnd, Shape.of(1, 40, 1)));
    g.initializers().put("two", Tensor.ofFloats(Shape.of(), 2f));
    g.initializers().put("eps", Tensor.ofFloats(Shape.of(1), 1e-5f));
    g.initializers().put("gamma", values(rnd, Shape.of(97)));
    g.initializers().put("beta", values(rnd, Shape.of(97)));
    g.nodes().add(new Node("sub", "Sub", List.of("x", "mean"), List.of("d")));
    g.nodes().add(new Node("pow", "Pow", List.of("d", "two"), List.of("p")));
    g.nodes().add(new Node("addeps", "Add", List.of("p", "eps"), List.of("pe")));
    g.nodes().add(new Node("sqrt", "Sqrt", List.of("pe"), List.of("sd")));
    g.nodes().add(new Node("div", "Div", List.of("d", "sd"), List.of("n")));
    g.nodes().add(new Node("max", "Max", List.of("n", "beta"), List.of("mx")));
    g.nodes().add(new Node("relu", "Relu", List.of("mx"), List.of("r")));
    g.nodes().add(new Node("mul", "Mul", List.of("r", "gamma"), List.of("y")));
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  @Test
  void convTransposeMatchesTheReference() {
    // c, m, kernel, stride, pad, output_padding, dilation, group, h, w
    int[][] cases = {{8, 4, 2, 2, 0, 0, 1, 1, 5, 6}, {6, 9, 3, 2, 1, 1, 1, 3, 4, 3}, {4, 4, 3, 1, 1, 0, 2, 2, 7, 7},
        {3, 5, 4, 3, 2, 2, 1, 1, 3, 5}, {16, 16, 2, 2, 0, 0, 1, 1, 20, 20}};
    for (int[] c : cases) {
      long[] xs = {2, c[0], c[8], c[9]};
      java.util.function.Supplier<Model> m = () -> {
      Random rnd = new Random(c[0] * 31 + c[1]);
      Graph g = new Graph("deconv");
      g.inputs().add(input("x", xs));
      g.initializers().put("w", TestGraphs.random(rnd, Shape.of(c[0], c[1] / c[7], c[2], c[2])));
      g.initializers().put("b", TestGraphs.random(rnd, Shape.of(c[1])));
      Node n = new Node("deconv", "ConvTranspose", List.of("x", "w", "b"), List.of("y"));
      n.setAttr(Attribute.ofInts("strides", c[3], c[3]));
      n.setAttr(Attribute.ofInts("pads", c[4], c[4], c[4], c[4]));
      n.setAttr(Attribute.ofInts("output_padding", c[5], c[5]));
      n.setAttr(Attribute.ofInts("dilations", c[6], c[6]));
      n.setAttr(Attribute.ofInt("group", c[7]));
      g.nodes().add(n);
      g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
      return new Model(g, Map.of("", 13L), 8, "test", null, null);
      };
      try (Tensor x = TestGraphs.random(new Random(4), Shape.of(xs))) {
        float[][] r = both(m, x, null);
        assertClose(r[0], r[1], 1e-4,
            "ConvTranspose " + java.util.Arrays.toString(c));
      }
    }
  }

  @Test
  void nearestResizeMatchesTheReference() {
    Random rnd = new Random(5);
    // mode attributes, scales (null: sizes)
    String[][] modes = {{"asymmetric", "floor"}, {"half_pixel", "round_prefer_floor"},
        {"align_corners", "round_prefer_ceil"}, {"pytorch_half_pixel", "ceil"}};
    float[][] scales = {{1, 1, 2, 2}, {1, 1, 1.7f, 0.6f}, {1, 1, 3, 1}};
    for (String[] mode : modes) {
      for (float[] s : scales) {
        java.util.function.Supplier<Model> m = () -> {
        Graph g = new Graph("resize");
        g.inputs().add(input("x", new long[] {1, 5, 7, 9}));
        g.initializers().put("roi", Tensor.ofFloats(Shape.of(0)));
        g.initializers().put("scales", Tensor.ofFloats(Shape.of(4), s));
        Node n = new Node("resize", "Resize", List.of("x", "roi", "scales"), List.of("y"));
        n.setAttr(Attribute.ofString("mode", "nearest"));
        n.setAttr(Attribute.ofString("coordinate_transformation_mode", mode[0]));
        n.setAttr(Attribute.ofString("nearest_mode", mode[1]));
        g.nodes().add(n);
        g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
        return new Model(g, Map.of("", 13L), 8, "test", null, null);
        };
        try (Tensor x = values(rnd, Shape.of(1, 5, 7, 9))) {
          float[][] r = both(m, x, null);
          assertSame(r[0], r[1], 0,
              "Resize " + java.util.Arrays.toString(mode) + " " + java.util.Arrays.toString(s));
        }
      }
    }
  }

  @Test
  void linearResizeMatchesTheReference() {
    Random rnd = new Random(8);
    String[] transforms = {"asymmetric", "half_pixel", "align_corners", "pytorch_half_pixel"};
    // scales (the detector's 2x and 4x upsampling, a fractional one, a downscale) or, with a null, sizes
    float[][] scales = {{1, 1, 2, 2}, {1, 1, 4, 4}, {1, 1, 1.7f, 0.6f}, {1, 1, 3, 1}};
    for (String transform : transforms) {
      for (float[] s : scales) {
        java.util.function.Supplier<Model> m = () -> {
          Graph g = new Graph("resize");
          g.inputs().add(input("x", new long[] {1, 5, 7, 9}));
          g.initializers().put("roi", Tensor.ofFloats(Shape.of(0)));
          g.initializers().put("scales", Tensor.ofFloats(Shape.of(4), s));
          Node n = new Node("resize", "Resize", List.of("x", "roi", "scales"), List.of("y"));
          n.setAttr(Attribute.ofString("mode", "linear"));
          n.setAttr(Attribute.ofString("coordinate_transformation_mode", transform));
          g.nodes().add(n);
          g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
          return new Model(g, Map.of("", 13L), 8, "test", null, null);
        };
        try (Tensor x = values(rnd, Shape.of(1, 5, 7, 9))) {
          float[][] r = both(m, x, null);
          assertClose(r[0], r[1], 1e-5, "Resize linear " + transform + " " + java.util.Arrays.toString(s));
        }
        try (Session session = Session.open(m.get(), SessionOptions.defaults().withDevice("cpu"))) {
          var p = session.placement().stream().filter(n -> n.op().endsWith("Resize")).findFirst().orElseThrow();
          assertEquals("cpu", p.device(), p.toString());
          assertTrue(p.fallbackReason() == null, p.toString());
        }
      }
    }
  }

  @Test
  void softmaxMatchesTheReference() {
    Random rnd = new Random(3);
    long[][] shapes = {{1, 40, 6625}, {2, 3, 17, 17}, {5}, {3, 1}};
    for (long[] dims : shapes) {
      for (int opset : new int[] {11, 13}) {
        java.util.function.Supplier<Model> m = () -> {
        Graph g = new Graph("softmax");
        g.inputs().add(input("x", dims));
        Node n = new Node("softmax", "Softmax", List.of("x"), List.of("y"));
        if (opset == 11) {
          n.setAttr(Attribute.ofInt("axis", dims.length - 1));
        }
        g.nodes().add(n);
        g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
        return new Model(g, Map.of("", (long) opset), 8, "test", null, null);
        };
        try (Tensor x = TestGraphs.random(rnd, Shape.of(dims), 5f)) {
          if (x.size() > 20) {
            x.setDouble(3, Float.NaN);  // a NaN row stays NaN; an infinite one as the reference
            x.setDouble(x.size() - 2, Float.POSITIVE_INFINITY);
          }
          float[][] r = both(m, x, null);
          assertClose(r[0], r[1], 2e-6,
              "Softmax " + java.util.Arrays.toString(dims) + " opset " + opset);
        }
      }
    }
  }

  @Test
  void broadcastBatchedMatMulMatchesTheReference() {
    long[][][] pairs = {{{1, 40, 120}, {120, 36}}, {{2, 3, 5, 4}, {4, 6}}, {{5, 4}, {2, 4, 3}},
        {{2, 1, 5, 4}, {1, 3, 4, 6}}, {{3, 7, 9}, {1, 9, 2}}};
    Random rnd = new Random(11);
    for (long[][] pair : pairs) {
      long seed = rnd.nextLong();
      java.util.function.Supplier<Model> m = () -> {
      Graph g = new Graph("matmul");
      g.inputs().add(input("x", pair[0]));
      g.initializers().put("w", TestGraphs.random(new Random(seed), Shape.of(pair[1])));
      g.nodes().add(new Node("mm", "MatMul", List.of("x", "w"), List.of("y")));
      g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
      return new Model(g, Map.of("", 13L), 8, "test", null, null);
      };
      try (Tensor x = TestGraphs.random(rnd, Shape.of(pair[0]))) {
        float[][] r = both(m, x, null);
        assertClose(r[0], r[1], 1e-4,
            "MatMul " + java.util.Arrays.toString(pair[0]) + " x " + java.util.Arrays.toString(pair[1]));
      }
    }
  }

  @Test
  void batchNormalizationOutsideTheBlockedLayoutMatchesTheReference() {
    for (long[] dims : new long[][] {{2, 5, 7, 9}, {1, 24, 33}, {3, 7}}) {
      java.util.function.Supplier<Model> m = () -> {
        Graph g = new Graph("bn");
        g.inputs().add(input("x", dims));
        TestGraphs.batchNorm(g, new Random(dims[1]), "y", "x", (int) dims[1]);
        g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
        return new Model(g, Map.of("", 15L), 8, "test", null, null);
      };
      try (Tensor x = values(new Random(6), Shape.of(dims))) {
        float[][] r = both(m, x, null);
        assertClose(r[0], r[1], 1e-5, "BatchNormalization " + java.util.Arrays.toString(dims));
      }
    }
  }

  @Test
  void badSizesAreRefusedOnTheHost() {
    try (Tensor a = Tensor.allocate(DType.FLOAT32, Shape.of(10));
        Tensor y = Tensor.allocate(DType.FLOAT32, Shape.of(20))) {
      int[] add = {CpuElementwise.ADD, 0, 8, 9};
      float[] imm = new float[2];
      // operand 1 read as 20 elements but holds 10
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> NativeCore.eltwise("node7", new long[] {20},
          new long[] {y.nativeAddress(), a.nativeAddress()}, new long[] {20, 10}, new long[] {1, 1}, add, imm,
          y.nativeAddress(), 20));
      assertTrue(e.getMessage().contains("node7"), e.getMessage());
      // a register read before it is written
      assertThrows(EdgewiseException.class, () -> NativeCore.eltwise("n", new long[] {10},
          new long[] {a.nativeAddress()}, new long[] {10}, new long[] {1}, new int[] {CpuElementwise.ADD, 0, 2, 8},
          imm, y.nativeAddress(), 20));
      // an output too small
      assertThrows(EdgewiseException.class, () -> NativeCore.eltwise("n", new long[] {30},
          new long[] {a.nativeAddress()}, new long[] {10}, new long[] {0}, new int[] {CpuElementwise.RELU, 0, 8, 0},
          imm, y.nativeAddress(), 20));
      assertThrows(EdgewiseException.class, () -> NativeCore.convTranspose2d("deconv",
          new long[] {1, 4, 5, 5, 4, 10, 10, 2, 2, 2, 2, 1, 1, 0, 0, 1}, a.nativeAddress(), 10, a.nativeAddress(), 10,
          0, 0, y.nativeAddress(), 20));
      assertThrows(EdgewiseException.class, () -> NativeCore.resizeNearest2d("resize", 1, 2, 5, new long[] {0, 2},
          new long[] {0, 1}, a.nativeAddress(), 10, y.nativeAddress(), 20));
      assertThrows(EdgewiseException.class, () -> NativeCore.softmax("softmax", 3, 5, a.nativeAddress(), 10,
          y.nativeAddress(), 20));
      // linear Resize: a tap past the input, then an output larger than y
      assertThrows(EdgewiseException.class, () -> NativeCore.resizeLinear2d("up", 1, 2, 5, new long[] {0, 2},
          new float[] {0.5f, 0.5f}, new long[] {0, 1}, new float[] {1, 0}, a.nativeAddress(), 10,
          y.nativeAddress(), 20));
      EdgewiseException big = assertThrows(EdgewiseException.class, () -> NativeCore.resizeLinear2d("up9", 1, 2, 5,
          new long[] {0, 1, 1, 1, 0, 0, 1, 1, 0, 1}, new float[10], new long[] {0, 1, 2, 3, 4, 4, 0, 0, 1, 1},
          new float[10], a.nativeAddress(), 10, y.nativeAddress(), 20));
      assertTrue(big.getMessage().contains("up9"), big.getMessage());
    }
    // shapes that do not broadcast: an error naming the node, from a session
    Graph g = new Graph("bad");
    g.inputs().add(input("x", new long[] {2, 3}));
    g.initializers().put("b", Tensor.ofFloats(Shape.of(4), 1, 2, 3, 4));
    g.nodes().add(new Node("badadd", "Add", List.of("x", "b"), List.of("y")));
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
    Model m = new Model(g, Map.of("", 13L), 8, "test", null, null);
    try (Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(2, 3))) {
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> SingleOutputRun.run(m,
          SessionOptions.defaults().withDevice("cpu").withOptimize(false), x));
      assertTrue(e.getMessage().contains("badadd"), e.getMessage());
    }
  }

  /** Output y for x on the reference node by node and on cpu, each session on a model of its own (a session closes its model). */
  private static float[][] both(java.util.function.Supplier<Model> model, Tensor x, Set<String> ops) {
    float[] expected = SingleOutputRun.unoptimizedReference(model.get(), x);
    float[] actual = SingleOutputRun.run(model.get(), "cpu", 2, x, List.of("y"), Tensor::toFloatArray,
        ops == null ? new HashSet<>() : ops).get("y");
    return new float[][] {expected, actual};
  }

  private static ValueInfo input(String name, long[] dims) {
    List<Dim> ds = new ArrayList<>();
    for (long d : dims) {
      ds.add(Dim.of(d));
    }
    return new ValueInfo(name, DType.FLOAT32, ds, null);
  }

  /** Gaussian values times 3 with NaN, infinities, zeros of both signs at the front (when there is room). */
  private static Tensor values(Random rnd, Shape s) {
    float[] v = new float[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian() * 3;
    }
    float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f};
    if (v.length > 2 * special.length) {
      System.arraycopy(special, 0, v, rnd.nextInt(v.length - special.length), special.length);
    }
    return Tensor.ofFloats(s, v);
  }

  private static void assertSame(float[] expected, float[] actual, double tolerance, String what) {
    assertClose(expected, actual, tolerance, what);
  }

  private static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
    assertEquals(expected.length, actual.length, what + ": element count");
    for (int i = 0; i < expected.length; i++) {
      if (Float.isNaN(expected[i])) {
        assertTrue(Float.isNaN(actual[i]), what + " element " + i + ": expected NaN, got " + actual[i]);
      } else if (Float.isInfinite(expected[i])) {
        assertEquals(expected[i], actual[i], what + " element " + i);
      } else {
        assertEquals(expected[i], actual[i], tolerance * Math.max(1, Math.abs(expected[i])), what + " element " + i);
      }
    }
  }
}

package io.edgewise.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Attribute;
import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The host-side launch guard: every kernel the node ops and the convolutions launch accepts the launch of a
 * correctly sized tensor, and refuses one whose input or output buffer is one element short with an
 * EdgewiseException naming the kernel, the node (or convolution) and the sizes, before anything is enqueued. The
 * cheap checks (null, closed and pooled buffers, empty or indivisible ranges) hold even with the guard off.
 */
class ClLaunchGuardTest {
  private static ClContext ctx;
  private static ClPrograms programs;
  private static boolean wasEnabled;
  private final List<ClBuffer> buffers = new ArrayList<>();

  @BeforeAll
  static void open() {
    wasEnabled = ClFootprint.enabled();
    ClFootprint.setEnabled(true);
    ctx = ClContext.create(ClTestDevices.first());
    programs = new ClPrograms(ctx, ClProgramCache.defaultCache());
  }

  @AfterAll
  static void close() {
    ClFootprint.setEnabled(wasEnabled);
    if (ctx != null) {
      ctx.close();
    }
  }

  @AfterEach
  void release() {
    ctx.finish();
    buffers.forEach(ClBuffer::close);
    buffers.clear();
  }

  private ClBuffer buffer(long floats) {
    ClBuffer b = ClBuffer.allocate(ctx, 4 * floats);
    buffers.add(b);
    return b;
  }

  /** Node arguments over device inputs of the given shapes; outputs are allocated {@code outShort} floats short. */
  private final class Args implements NodeArgs {
    final Node node;
    final Shape[] shapes;
    final DeviceTensor[] inputs;
    final Map<Integer, Tensor> constants = new LinkedHashMap<>();
    int outShort;

    Args(Node node, int inShort, int shortInput, Shape... shapes) {
      this.node = node;
      this.shapes = shapes;
      this.inputs = new DeviceTensor[shapes.length];
      for (int i = 0; i < shapes.length; i++) {
        inputs[i] = DeviceTensor.of(shapes[i], buffer(shapes[i].numElements() - (i == shortInput ? inShort : 0)),
            null);
      }
    }

    @Override
    public Node node() {
      return node;
    }

    @Override
    public int opset() {
      return 17;
    }

    @Override
    public boolean present(int i) {
      return i < shapes.length;
    }

    @Override
    public Shape shape(int i) {
      return shapes[i];
    }

    @Override
    public DType dtype(int i) {
      return DType.FLOAT32;
    }

    @Override
    public DeviceTensor device(int i) {
      return inputs[i];
    }

    @Override
    public Tensor constant(int i) {
      return constants.get(i);
    }

    @Override
    public DeviceTensor allocate(Shape shape) {
      return DeviceTensor.of(shape, buffer(shape.numElements() - outShort), null);
    }

    @Override
    public ClPrograms programs() {
      return programs;
    }

    @Override
    public ConvChoice conv(ConvProblem p, boolean constantWeights) {
      ConvAlgorithm alg = p.algorithm(ctx.device().type());
      return new ConvChoice(alg, TileParams.defaults(ctx.device(), alg, p));
    }

    @Override
    public boolean halfWeights() {
      return false;
    }

    @Override
    public boolean profile() {
      return false;
    }

    @Override
    public void addDeviceNanos(long nanos) {}
  }

  private static Node node(String name, String op, int inputs, Attribute... attrs) {
    Map<String, Attribute> a = new LinkedHashMap<>();
    for (Attribute at : attrs) {
      a.put(at.name(), at);
    }
    List<String> in = new ArrayList<>();
    for (int i = 0; i < inputs; i++) {
      in.add(name + "_in" + i);
    }
    return new Node(name, op, "", in, List.of(name + "_out"), a);
  }

  /**
   * Runs the op on correctly sized buffers (must pass), then with the output one element short and with input
   * {@code shortInput} one element short: each must fail naming the kernel, the node and the short buffer.
   */
  private void guards(ClNodeOp op, Node node, String kernel, String outName, String inName, int shortInput,
      Shape... shapes) {
    assertNotNull(op.run(new Args(node, 0, -1, shapes)), kernel + " declined the launch");
    Args shortOut = new Args(node, 0, -1, shapes);
    shortOut.outShort = 1;
    assertRefused(() -> op.run(shortOut), kernel, node.describe(), "writes element", "'" + outName + "'");
    if (inName != null) {
      assertRefused(() -> op.run(new Args(node, 1, shortInput, shapes)), kernel, node.describe(), "reads element",
          "'" + inName + "'");
    }
  }

  private static void assertRefused(Supplier<?> launch, String... words) {
    EdgewiseException e = assertThrows(EdgewiseException.class, launch::get);
    assertEquals(EdgewiseException.ErrorCode.INVALID_ARGUMENT, e.code(), e.getMessage());
    for (String w : words) {
      assertTrue(e.getMessage().contains(w), "'" + w + "' missing from: " + e.getMessage());
    }
    assertTrue(e.getMessage().contains("but its buffer holds") || e.getMessage().contains("launch check"),
        e.getMessage());
  }

  @Test
  void binary4() {
    guards(new ElementwiseNodeOp("Add"), node("add", "Add", 2), "binary4", "y", "b", 1, Shape.of(2, 3, 4, 5),
        Shape.of(1, 3, 1, 1));
    // the message gives the sizes: 120 outputs into a buffer of 119
    Args a = new Args(node("mul", "Mul", 2), 0, -1, Shape.of(2, 3, 4, 5), Shape.of(2, 3, 4, 5));
    a.outShort = 1;
    assertRefused(() -> new ElementwiseNodeOp("Mul").run(a), "element 119 of 'y'", "holds 119 elements (476 bytes)",
        "global [120]", "total=120");
  }

  @Test
  void unary() {
    guards(new ElementwiseNodeOp("Relu"), node("relu", "Relu", 1), "unary", "y", "x", 0, Shape.of(1, 4, 5, 6));
  }

  @Test
  void pool2d() {
    Node max = node("pool", "MaxPool", 1, Attribute.ofInts("kernel_shape", 3, 3), Attribute.ofInts("strides", 2, 2),
        Attribute.ofInts("pads", 1, 1, 1, 1));
    guards(new PoolNodeOp("MaxPool"), max, "pool2d", "y", "x", 0, Shape.of(1, 3, 9, 8));
  }

  @Test
  void globalAvgPool() {
    guards(new PoolNodeOp("GlobalAveragePool"), node("gap", "GlobalAveragePool", 1), "global_avg_pool", "y", "x", 0,
        Shape.of(2, 5, 3, 4));
  }

  @Test
  void gemmDotAndGemm() {
    Node fc = node("fc", "Gemm", 3, Attribute.ofInt("transB", 1));
    if (ctx.device().type().equals("CPU")) {
      guards(new GemmNodeOp(), fc, "gemm_dot", "y", "b", 1, Shape.of(3, 20), Shape.of(7, 20), Shape.of(7));
    }
    guards(new GemmNodeOp(), node("gemm", "Gemm", 3), "gemm", "y", "a", 1, Shape.of(18, 20), Shape.of(20, 7),
        Shape.of(7));
    // the bias one short: gemm reads bias[m] for every output feature
    assertRefused(() -> new GemmNodeOp().run(new Args(node("gemm", "Gemm", 3), 1, 2, Shape.of(18, 20),
        Shape.of(20, 7), Shape.of(7))), "reads element 6 of 'bias'");
  }

  @Test
  void copyBlocks() {
    Node concat = node("cat", "Concat", 2, Attribute.ofInt("axis", 1));
    guards(ShapeNodeOps.of("Concat"), concat, "copy_blocks", "dst", "src", 1, Shape.of(2, 3, 4), Shape.of(2, 5, 4));
  }

  @Test
  void permute4() {
    Node t = node("tr", "Transpose", 1, Attribute.ofInts("perm", 0, 2, 3, 1));
    guards(ShapeNodeOps.of("Transpose"), t, "permute4", "y", "x", 0, Shape.of(2, 3, 4, 5));
  }

  @Test
  void convNodeOpNamesTheNode() {
    Node conv = node("conv", "Conv", 2, Attribute.ofInts("kernel_shape", 3, 3), Attribute.ofInts("pads", 1, 1, 1, 1));
    try (ConvNodeOp op = new ConvNodeOp(false)) {
      Args ok = new Args(conv, 0, -1, Shape.of(1, 3, 10, 12), Shape.of(4, 3, 3, 3));
      ok.constants.put(1, Tensor.allocate(DType.FLOAT32, Shape.of(4, 3, 3, 3)));
      assertNotNull(op.run(ok));
      Args shortOut = new Args(conv, 0, -1, Shape.of(1, 3, 10, 12), Shape.of(4, 3, 3, 3));
      shortOut.constants.put(1, ok.constants.get(1));
      shortOut.outShort = 1;
      String kernel = ConvProblem.same(1, 3, 10, 12, 4, 3, 1, 1).algorithm(ctx.device().type()).kernel;
      assertRefused(() -> op.run(shortOut), "kernel " + kernel, conv.describe(), "writes element", "'y'");
      ok.constants.get(1).close();
    }
  }

  /** Every convolution kernel, with its default tiles: the real launch passes; short x, w, residual, y fail. */
  @Test
  void convolutionKernels() {
    checkConv(ConvProblem.same(1, 5, 11, 13, 6, 3, 1, 1), ConvAlgorithm.DIRECT);
    checkConv(ConvProblem.same(2, 6, 9, 7, 10, 1, 1, 1), ConvAlgorithm.GEMM);
    checkConv(ConvProblem.same(1, 6, 13, 21, 6, 3, 2, 6), ConvAlgorithm.DEPTHWISE);
    checkConv(ConvProblem.same(2, 6, 9, 17, 10, 3, 2, 1), ConvAlgorithm.DIRECT_VEC);  // strided: not flat
    checkConv(ConvProblem.same(2, 4, 7, 5, 6, 3, 1, 2), ConvAlgorithm.DIRECT_VEC);  // flat, grouped
    checkConv(ConvProblem.same(2, 12, 7, 9, 10, 1, 1, 1), ConvAlgorithm.DIRECT_VEC);  // pointwise as one row
    checkConv(ConvProblem.same(1, 5, 13, 13, 5, 3, 2, 1), ConvAlgorithm.CHANNEL_VEC);  // padded input
    checkConv(ConvProblem.same(1, 5, 13, 13, 5, 1, 1, 1), ConvAlgorithm.CHANNEL_VEC);  // read in place
  }

  private void checkConv(ConvProblem p, ConvAlgorithm alg) {
    TileParams t = TileParams.defaults(ctx.device(), alg, p);
    float[] w = new float[(int) p.weightElements()];
    float[] b = new float[p.k()];
    try (ClConvolution conv = ClConvolution.create(programs, p, alg, t, w, b, false)) {
      long in = p.inputElements();
      long out = p.outputElements();
      conv.enqueue(buffer(in), buffer(out), buffer(out), 0, 0, 0, false);
      String name = alg.kernel;
      // a short input is caught by the kernel that reads it: pad2d where the input is padded first
      String reader = alg == ConvAlgorithm.DIRECT_VEC
          || (alg == ConvAlgorithm.CHANNEL_VEC && ClConvolution.needsPadding(p)) ? "pad2d" : name;
      String xName = reader.equals("gemm") ? "b" : "x";  // the 1x1 GEMM reads the image as its B operand
      assertRefused(() -> conv.enqueue(buffer(in - 1), null, buffer(out), 0, 0, 0, false), "kernel " + reader,
          p.toString(), "reads element " + (in - 1) + " of '" + xName + "'");
      assertRefused(() -> conv.enqueue(buffer(in), null, buffer(out - 1), 0, 0, 0, false), "kernel " + name,
          p.toString(), "writes element " + (out - 1) + " of 'y'");
      assertRefused(() -> conv.enqueue(buffer(in), buffer(out - 1), buffer(out), 0, 0, 0, false), "kernel " + name,
          "reads element " + (out - 1) + " of 'res'");
      if (alg != ConvAlgorithm.CHANNEL_VEC) {  // computed weights: the kernel reads every weight
        long wn = p.weightElements();
        assertRefused(() -> conv.enqueue(null, buffer(in), buffer(wn - 1), buffer(p.k()), null, buffer(out), 0, 0, 0,
            false), "kernel " + name, "reads element " + (wn - 1) + " of '" + (alg == ConvAlgorithm.GEMM ? "a" : "w")
            + "'");
        assertRefused(() -> conv.enqueue(null, buffer(in), buffer(wn), buffer(p.k() - 1), null, buffer(out), 0, 0, 0,
            false), "kernel " + name, "reads element " + (p.k() - 1) + " of 'bias'");
      }
    }
  }

  @Test
  void cheapChecksHoldWithTheGuardOff() {
    ClKernel unary = programs.kernel("ops.cl", "unary", Map.of());
    ClFootprint.setEnabled(false);
    try {
      ClBuffer x = buffer(16);
      ClBuffer y = buffer(15);
      // the footprint is not computed with the guard off (this one would refuse every launch)...
      ClFootprint refuses = ClFootprint.of("in x, out y, n, act, alpha, beta", (g, a, e) -> e[1] = 1 << 20);
      ctx.launch(unary, refuses, "test", new long[] {15}, null, false, x, y, 15, 0, 0f, 0f);
      // ...the cheap checks are
      assertRefused(() -> ctx.launch(unary, ElementwiseNodeOp.UNARY, "test", new long[] {16}, null, false, x, null,
          16, 0, 0f, 0f), "kernel unary", "argument 1 is null");
      assertRefused(() -> ctx.launch(unary, null, "test", new long[] {0}, null, false, x, y, 0, 0, 0f, 0f),
          "global size 0");
      assertRefused(() -> ctx.launch(unary, null, "test", new long[] {1L << 31}, null, false, x, y, 16, 0, 0f, 0f),
          "global size 2147483648");
      assertRefused(() -> ctx.launch(unary, null, "test", new long[] {15}, new long[] {4}, false, x, y, 15, 0, 0f,
          0f), "local size 4 does not divide global size 15");
      ClBuffer closed = ClBuffer.allocate(ctx, 64);
      closed.close();
      assertRefused(() -> ctx.launch(unary, null, "test", new long[] {15}, null, false, x, closed, 15, 0, 0f, 0f),
          "argument 1 is a buffer of 64 bytes that was closed");
      try (ClBufferPool pool = new ClBufferPool(ctx)) {
        ClBuffer pooled = pool.take(64);
        pool.give(pooled);
        assertRefused(() -> ctx.launch(unary, null, "test", new long[] {15}, null, false, x, pooled, 15, 0, 0f, 0f),
            "that was released to its pool");
        ClBuffer again = pool.take(64);
        ctx.launch(unary, null, "test", new long[] {15}, null, false, x, again, 15, 0, 0f, 0f);
        ctx.finish();
        pool.give(again);
      }
    } finally {
      ClFootprint.setEnabled(true);
    }
  }

  @Test
  void maxOverDigitsIsExact() {
    long[] radix = {1, 3, 4, 5};
    long[][] coefs = {{60, 20, 5, 1}, {0, 1, 0, 7}, {3, 0, 11, 2}, {1, 13, 0, 0}};
    for (long[] c : coefs) {
      for (long vmax = 0; vmax < 200; vmax++) {
        long best = 0;
        for (long v = 0; v <= vmax; v++) {
          long r = v;
          long d3 = r % 5;
          r /= 5;
          long d2 = r % 4;
          r /= 4;
          long d1 = r % 3;
          long d0 = r / 3;
          best = Math.max(best, d0 * c[0] + d1 * c[1] + d2 * c[2] + d3 * c[3]);
        }
        assertEquals(best, ClFootprint.maxOverDigits(vmax, radix, c), "vmax " + vmax);
      }
    }
  }
}

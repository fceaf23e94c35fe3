package io.edgewise.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.TestData;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxExporter;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.conformance.ConformanceRunner;
import io.edgewise.runtime.conformance.TestOutcome;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.NativeLeakGuard;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The cpu device's int8 kernels: the ONNX node tests, and bit-exact agreement with ref on random single nodes. */
@ExtendWith(NativeLeakGuard.class)
class CpuQuantKernelsTest {
  private static final SessionOptions REF = SessionOptions.defaults().withDevice("ref");

  private static SessionOptions cpu(int threads) {
    return SessionOptions.defaults().withDevice("cpu").withThreads(threads);
  }

  @Test
  void onnxNodeTestsPassOnCpu() {
    int ran = 0;
    for (String name : List.of("test_qlinearconv", "test_convinteger_without_padding", "test_convinteger_with_padding",
        "test_matmulinteger")) {
      java.nio.file.Path dir = TestData.onnxNode().resolve(name);
      if (!java.nio.file.Files.isDirectory(dir)) {
        continue;  // the shared data has no test_convinteger_with_padding today
      }
      ran++;
      for (int threads : new int[] {1, 2}) {
        TestOutcome o = new ConformanceRunner(cpu(threads)).run(dir);
        assertEquals(TestOutcome.Status.PASSED, o.status(), name + ": " + o.detail());
      }
    }
    assertEquals(true, ran >= 3, "test_qlinearconv, test_convinteger_without_padding and test_matmulinteger ran");
  }

  /** A random value of an 8-bit type. */
  private static long rand8(Random r, DType t) {
    return t == DType.UINT8 ? r.nextInt(256) : r.nextInt(256) - 128;
  }

  private static Tensor random8(Random r, DType t, Shape s) {
    long[] v = new long[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = rand8(r, t);
    }
    return Tensor.ofLongs(t, s, v);
  }

  private static DType type8(Random r) {
    return r.nextBoolean() ? DType.UINT8 : DType.INT8;
  }

  /** Runs one node on ref and cpu (1 or 2 threads) and asserts equal dtypes, shapes and bits. */
  private static void assertSame(Graph g, Map<String, Tensor> inputs, String what, int threads) {
    // each session gets its own copy of the model (opening a session optimizes its graph in place)
    try (Session ref = Session.open(copy(g), REF); Session cpu = Session.open(copy(g), cpu(threads))) {
      Map<String, Tensor> a = ref.run(inputs);
      Map<String, Tensor> b = cpu.run(inputs);
      try {
        Tensor ya = a.get("y");
        Tensor yb = b.get("y");
        assertEquals(ya.dtype(), yb.dtype(), what);
        assertEquals(ya.shape(), yb.shape(), what);
        assertArrayEquals(ya.toLongArray(), yb.toLongArray(), what);
      } finally {
        a.values().forEach(Tensor::close);
        b.values().forEach(Tensor::close);
      }
    }
  }

  private static Model copy(Graph g) {
    return OnnxImporter.load(OnnxExporter.toBytes(new Model(g, Map.of("", 13L), 8, "test", null, null)), null);
  }

  private record Conv(long n, long c, long h, long w, long m, long kh, long kw, long[] strides, long[] dilations,
      long[] pads, long group) {
    long oh() {
      long span = h + pads[0] + pads[2] - (kh - 1) * dilations[0] - 1;
      return span < 0 ? 0 : span / strides[0] + 1;
    }

    long ow() {
      long span = w + pads[1] + pads[3] - (kw - 1) * dilations[1] - 1;
      return span < 0 ? 0 : span / strides[1] + 1;
    }

    void setAttrs(Node node) {
      node.setAttr(Attribute.ofInts("strides", strides));
      node.setAttr(Attribute.ofInts("dilations", dilations));
      node.setAttr(Attribute.ofInts("pads", pads));
      node.setAttr(Attribute.ofInt("group", group));
    }

    @Override
    public String toString() {
      return "N" + n + " C" + c + " " + h + "x" + w + " M" + m + " k" + kh + "x" + kw + " s"
          + java.util.Arrays.toString(strides) + " d" + java.util.Arrays.toString(dilations) + " p"
          + java.util.Arrays.toString(pads) + " g" + group;
    }
  }

  private static Conv randomConv(Random r) {
    while (true) {
      long group = r.nextInt(4) == 0 ? 1 + r.nextInt(4) : 1;
      long c = group * (1 + r.nextInt(5));
      long m = group * (1 + r.nextInt(6));
      if (r.nextInt(6) == 0) {  // depthwise
        group = c;
        m = c * (1 + r.nextInt(2));
      }
      long kh = 1 + r.nextInt(4);
      long kw = 1 + r.nextInt(4);
      Conv conv = new Conv(1 + r.nextInt(2), c, 1 + r.nextInt(12), 1 + r.nextInt(12), m, kh, kw,
          new long[] {1 + r.nextInt(3), 1 + r.nextInt(3)}, new long[] {1 + r.nextInt(2), 1 + r.nextInt(2)},
          new long[] {r.nextInt(3), r.nextInt(3), r.nextInt(3), r.nextInt(3)}, group);
      if (conv.oh() > 0 && conv.ow() > 0) {
        return conv;
      }
    }
  }

  @Test
  void qlinearConvMatchesRefBitExactly() {
    Random r = new Random(11);
    for (int i = 0; i < 200; i++) {
      Conv conv = randomConv(r);
      DType xt = type8(r);
      DType wt = type8(r);
      DType yt = type8(r);
      boolean perChannel = r.nextBoolean();
      boolean bias = r.nextInt(3) != 0;
      long k = conv.c / conv.group * conv.kh * conv.kw;
      try (Graph g = new Graph("qlinearconv")) {
        Shape xs = Shape.of(conv.n, conv.c, conv.h, conv.w);
        g.inputs().add(ValueInfo.tensor("x", xt, xs));
        g.outputs().add(ValueInfo.tensor("y", yt, Shape.of(conv.n, conv.m, conv.oh(), conv.ow())));
        float xScale = 0.01f + r.nextFloat() * 0.05f;
        float[] wScale = new float[perChannel ? (int) conv.m : 1];
        for (int j = 0; j < wScale.length; j++) {
          wScale[j] = 0.005f + r.nextFloat() * 0.05f;
        }
        // about the spread of the accumulator, so most outputs land inside the output range
        float yScale = (float) (xScale * 0.03 * Math.sqrt(k) * 64 * (0.2 + r.nextDouble()));
        if (r.nextInt(5) == 0) {  // exact halves: round half to even decides
          xScale = 0.5f;
          java.util.Arrays.fill(wScale, 1f);
          yScale = 1f;
        }
        g.initializers().put("xs", Tensor.ofDoubles(DType.FLOAT32, Shape.of(), xScale));
        g.initializers().put("xz", Tensor.ofLongs(xt, Shape.of(), rand8(r, xt)));
        g.initializers().put("w", random8(r, wt, Shape.of(conv.m, conv.c / conv.group, conv.kh, conv.kw)));
        double[] ws = new double[wScale.length];
        long[] wz = new long[wScale.length];
        for (int j = 0; j < ws.length; j++) {
          ws[j] = wScale[j];
          wz[j] = r.nextInt(3) == 0 ? 0 : rand8(r, wt);
        }
        Shape per = perChannel ? Shape.of(conv.m) : Shape.of();
        g.initializers().put("ws", Tensor.ofDoubles(DType.FLOAT32, per, ws));
        g.initializers().put("wz", Tensor.ofLongs(wt, per, wz));
        g.initializers().put("ys", Tensor.ofDoubles(DType.FLOAT32, Shape.of(), yScale));
        g.initializers().put("yz", Tensor.ofLongs(yt, Shape.of(), rand8(r, yt)));
        List<String> inputs = new ArrayList<>(List.of("x", "xs", "xz", "w", "ws", "wz", "ys", "yz"));
        if (bias) {
          long[] b = new long[(int) conv.m];
          for (int j = 0; j < b.length; j++) {
            b[j] = r.nextInt(20001) - 10000;
          }
          g.initializers().put("b", Tensor.ofLongs(DType.INT32, Shape.of(conv.m), b));
          inputs.add("b");
        }
        Node node = new Node("q", "QLinearConv", inputs, List.of("y"));
        conv.setAttrs(node);
        g.nodes().add(node);
        try (Tensor x = random8(r, xt, xs)) {
          assertSame(g, Map.of("x", x), "QLinearConv #" + i + " " + conv + " " + xt + "/" + wt + "/" + yt
              + (perChannel ? " per-channel" : " per-tensor"), 1 + i % 2);
        }
      }
    }
  }

  /**
   * The QLinearConv paths a session prepares at compile (weights packed once, scales and zero points computed once:
   * QLinearConvWeights) and the depthwise rows over the padded buffer, on the OCR models' shapes and odd ones: rows of
   * 80 and 83 outputs (runs of 64 then 16), the strided and padded dense convolutions whose B panels are packed from
   * the image, odd channel counts, zero points != 0 for x, w and y, per-channel and
   * per-tensor weight scales, int8 and uint8 weights. Each against ref, once with the weights as initializers (the
   * prepared path) and once as a graph input (packed per call), at 1 and 2 threads.
   */
  @Test
  void preparedQLinearConvMatchesRefOnOcrShapes() {
    Random r = new Random(21);
    long[] one = {1, 1};
    List<Conv> convs = List.of(
        new Conv(1, 5, 6, 80, 5, 3, 3, one, one, new long[] {1, 1, 1, 1}, 5),        // depthwise 3x3, a row of 80
        new Conv(1, 3, 3, 83, 3, 5, 5, one, one, new long[] {2, 2, 2, 2}, 3),        // depthwise 5x5, a row of 83
        new Conv(1, 7, 2, 150, 7, 3, 3, one, one, new long[] {0, 1, 2, 0}, 7),       // asymmetric pads, 150 wide
        new Conv(1, 7, 4, 70, 9, 1, 1, one, one, new long[] {0, 0, 0, 0}, 1),        // pointwise, odd channels
        new Conv(1, 6, 5, 21, 9, 3, 3, one, one, new long[] {1, 1, 1, 1}, 3),        // grouped
        new Conv(2, 3, 9, 33, 11, 3, 3, new long[] {2, 2}, one, new long[] {1, 1, 1, 1}, 1),  // stride 2, batch 2
        new Conv(1, 13, 3, 80, 37, 1, 1, one, one, new long[] {0, 0, 0, 0}, 1),      // more rows than one tile
        // B packed straight from the image (implicit im2col), column blocks of 256 starting mid-row:
        new Conv(1, 3, 48, 320, 8, 3, 3, new long[] {2, 2}, one, new long[] {1, 1, 1, 1}, 1),  // the rec stem
        new Conv(1, 5, 12, 300, 7, 3, 3, one, one, new long[] {1, 1, 1, 1}, 1),      // the detector's 3x3, wide
        new Conv(1, 9, 6, 41, 10, 1, 1, new long[] {2, 2}, one, new long[] {0, 0, 0, 0}, 1));  // 1x1 stride 2
    int i = 0;
    for (Conv conv : convs) {
      for (DType wt : List.of(DType.INT8, DType.UINT8)) {
        boolean perChannel = i % 3 != 2;
        for (boolean weightsAsInput : new boolean[] {false, true}) {
          Random same = new Random(r.nextLong());
          try (Graph g = qlinearConvGraph(same, conv, DType.UINT8, wt, i % 2 == 0 ? DType.UINT8 : DType.INT8,
              perChannel, weightsAsInput)) {
            Map<String, Tensor> inputs = new LinkedHashMap<>();
            inputs.put("x", random8(same, DType.UINT8, Shape.of(conv.n, conv.c, conv.h, conv.w)));
            if (weightsAsInput) {
              inputs.put("w", g.initializers().remove("w"));
            } else {
              try (QLinearConvWeights prepared = QLinearConvWeights.of(g)) {
                boolean depthwise = conv.group == conv.c && conv.group == conv.m;
                assertEquals(true, prepared.get("y") != null && prepared.get("y").scale() != null, "prepared " + conv);
                assertEquals(depthwise, prepared.get("y").packed() == null, "packed unless depthwise: " + conv);
              }
            }
            try {
              assertSame(g, inputs, "QLinearConv " + conv + " w " + wt + (perChannel ? " per-channel" : " per-tensor")
                  + (weightsAsInput ? " (weights as input)" : " (weights packed at compile)"), 1 + i % 2);
            } finally {
              inputs.values().forEach(Tensor::close);
            }
          }
        }
        i++;
      }
    }
  }

  /** One QLinearConv node with nonzero zero points (weights: per channel or per tensor) and an int32 bias. */
  private static Graph qlinearConvGraph(Random r, Conv conv, DType xt, DType wt, DType yt, boolean perChannel,
      boolean weightsAsInput) {
    long k = conv.c / conv.group * conv.kh * conv.kw;
    Shape ws = Shape.of(conv.m, conv.c / conv.group, conv.kh, conv.kw);
    Graph g = new Graph("qlinearconv");
    g.inputs().add(ValueInfo.tensor("x", xt, Shape.of(conv.n, conv.c, conv.h, conv.w)));
    if (weightsAsInput) {
      g.inputs().add(ValueInfo.tensor("w", wt, ws));
    }
    g.outputs().add(ValueInfo.tensor("y", yt, Shape.of(conv.n, conv.m, conv.oh(), conv.ow())));
    float xScale = 0.02f;
    Shape per = perChannel ? Shape.of(conv.m) : Shape.of();
    double[] wScale = new double[perChannel ? (int) conv.m : 1];
    long[] wZero = new long[wScale.length];
    for (int j = 0; j < wScale.length; j++) {
      wScale[j] = 0.005f + r.nextFloat() * 0.05f;
      wZero[j] = wt == DType.INT8 ? r.nextInt(21) - 10 : 118 + r.nextInt(21);
    }
    g.initializers().put("xs", Tensor.ofDoubles(DType.FLOAT32, Shape.of(), xScale));
    g.initializers().put("xz", Tensor.ofLongs(xt, Shape.of(), xt == DType.UINT8 ? 3 + r.nextInt(200) : -7));
    g.initializers().put("w", random8(r, wt, ws));
    g.initializers().put("ws", Tensor.ofDoubles(DType.FLOAT32, per, wScale));
    g.initializers().put("wz", Tensor.ofLongs(wt, per, wZero));
    g.initializers().put("ys", Tensor.ofDoubles(DType.FLOAT32, Shape.of(), xScale * 0.03 * Math.sqrt(k) * 40));
    g.initializers().put("yz", Tensor.ofLongs(yt, Shape.of(), yt == DType.UINT8 ? 9 + r.nextInt(200) : 5));
    long[] b = new long[(int) conv.m];
    for (int j = 0; j < b.length; j++) {
      b[j] = r.nextInt(20001) - 10000;
    }
    g.initializers().put("b", Tensor.ofLongs(DType.INT32, Shape.of(conv.m), b));
    Node node = new Node("q", "QLinearConv", List.of("x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"),
        List.of("y"));
    conv.setAttrs(node);
    g.nodes().add(node);
    return g;
  }

  @Test
  void convIntegerMatchesRefBitExactly() {
    Random r = new Random(12);
    for (int i = 0; i < 150; i++) {
      Conv conv = randomConv(r);
      DType xt = type8(r);
      DType wt = type8(r);
      try (Graph g = new Graph("convinteger")) {
        Shape xs = Shape.of(conv.n, conv.c, conv.h, conv.w);
        g.inputs().add(ValueInfo.tensor("x", xt, xs));
        g.outputs().add(ValueInfo.tensor("y", DType.INT32, Shape.of(conv.n, conv.m, conv.oh(), conv.ow())));
        g.initializers().put("w", random8(r, wt, Shape.of(conv.m, conv.c / conv.group, conv.kh, conv.kw)));
        List<String> inputs = new ArrayList<>(List.of("x", "w"));
        int zeros = r.nextInt(4);  // 0: none, 1: x only, 2: both scalar, 3: x scalar, w per channel
        if (zeros >= 1) {
          g.initializers().put("xz", Tensor.ofLongs(xt, Shape.of(), rand8(r, xt)));
          inputs.add("xz");
        }
        if (zeros >= 2) {
          Shape per = zeros == 3 ? Shape.of(conv.m) : Shape.of();
          g.initializers().put("wz", random8(r, wt, per));
          inputs.add("wz");
        }
        Node node = new Node("c", "ConvInteger", inputs, List.of("y"));
        conv.setAttrs(node);
        g.nodes().add(node);
        try (Tensor x = random8(r, xt, xs)) {
          assertSame(g, Map.of("x", x), "ConvInteger #" + i + " " + conv + " " + xt + "/" + wt + " zeros " + zeros,
              1 + i % 2);
        }
      }
    }
  }

  @Test
  void matmulIntegerMatchesRefBitExactly() {
    Random r = new Random(13);
    for (int i = 0; i < 150; i++) {
      DType at = type8(r);
      DType bt = type8(r);
      long m = 1 + r.nextInt(40);
      long k = 1 + r.nextInt(r.nextInt(8) == 0 ? 600 : 40);
      long n = 1 + r.nextInt(70);
      long[] batch = switch (r.nextInt(3)) {
        case 0 -> new long[0];
        case 1 -> new long[] {1 + r.nextInt(3)};
        default -> new long[] {1 + r.nextInt(2), 1 + r.nextInt(3)};
      };
      Shape as = Shape.of(concat(batch, m, k));
      Shape bs = Shape.of(concat(batch, k, n));
      try (Graph g = new Graph("matmulinteger")) {
        g.inputs().add(ValueInfo.tensor("a", at, as));
        g.inputs().add(ValueInfo.tensor("b", bt, bs));
        g.outputs().add(ValueInfo.tensor("y", DType.INT32, Shape.of(concat(batch, m, n))));
        List<String> inputs = new ArrayList<>(List.of("a", "b"));
        int zeros = r.nextInt(4);  // 0: none, 1: a scalar, 2: a per row + b scalar, 3: a scalar + b per column
        if (zeros >= 1) {
          g.initializers().put("az", random8(r, at, zeros == 2 ? Shape.of(m) : Shape.of()));
          inputs.add("az");
        }
        if (zeros >= 2) {
          g.initializers().put("bz", random8(r, bt, zeros == 3 ? Shape.of(n) : Shape.of()));
          inputs.add("bz");
        }
        g.nodes().add(new Node("mm", "MatMulInteger", inputs, List.of("y")));
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        feeds.put("a", random8(r, at, as));
        feeds.put("b", random8(r, bt, bs));
        try {
          assertSame(g, feeds, "MatMulInteger #" + i + " " + as + " x " + bs + " " + at + "/" + bt + " zeros " + zeros,
              1 + i % 2);
        } finally {
          feeds.values().forEach(Tensor::close);
        }
      }
    }
  }

  private static long[] concat(long[] batch, long... tail) {
    long[] out = java.util.Arrays.copyOf(batch, batch.length + tail.length);
    System.arraycopy(tail, 0, out, batch.length, tail.length);
    return out;
  }

  @Test
  void quantizeAndDequantizeMatchRefBitExactly() {
    Random r = new Random(5);
    for (int i = 0; i < 40; i++) {
      DType t = type8(r);
      Shape shape = Shape.of(1 + r.nextInt(3), 1 + r.nextInt(40));
      float scale = i % 4 == 0 ? 0.5f : 0.001f + r.nextFloat() * 0.1f;
      long zero = rand8(r, t);
      float[] x = new float[(int) shape.numElements()];
      for (int j = 0; j < x.length; j++) {
        // whole and half steps (round half to even), values past both ends of the range (saturation), noise
        x[j] = j % 3 == 0 ? (r.nextInt(600) - 300) * scale / 2 : (float) (r.nextGaussian() * 200 * scale);
      }
      try (Graph q = new Graph("q")) {
        q.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, shape));
        q.outputs().add(ValueInfo.tensor("y", t, shape));
        q.initializers().put("s", Tensor.ofDoubles(DType.FLOAT32, Shape.of(), scale));
        q.initializers().put("z", Tensor.ofLongs(t, Shape.of(), zero));
        q.nodes().add(new Node("q", "QuantizeLinear", List.of("x", "s", "z"), List.of("y")));
        try (Tensor xt = Tensor.ofFloats(shape, x)) {
          assertSame(q, Map.of("x", xt), "QuantizeLinear " + t + " case " + i, 1);
        }
        try (Graph d = new Graph("d")) {
          d.inputs().add(ValueInfo.tensor("x", t, shape));
          d.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, shape));
          d.initializers().put("s", Tensor.ofDoubles(DType.FLOAT32, Shape.of(), scale));
          d.initializers().put("z", Tensor.ofLongs(t, Shape.of(), zero));
          d.nodes().add(new Node("d", "DequantizeLinear", List.of("x", "s", "z"), List.of("y")));
          try (Tensor xt = random8(r, t, shape); Session ref = Session.open(copy(d), REF);
               Session cpu = Session.open(copy(d), cpu(1))) {
            Map<String, Tensor> a = ref.run(Map.of("x", xt));
            Map<String, Tensor> b = cpu.run(Map.of("x", xt));
            assertArrayEquals(a.get("y").toFloatArray(), b.get("y").toFloatArray(), "DequantizeLinear case " + i);
            a.values().forEach(Tensor::close);
            b.values().forEach(Tensor::close);
          }
        }
      }
    }
  }

  @Test
  void perAxisQuantizeAndDequantizeMatchRefBitExactly() {
    Random r = new Random(9);
    for (int i = 0; i < 24; i++) {
      DType t = type8(r);
      Shape shape = Shape.of(1 + r.nextInt(2), 1 + r.nextInt(5), 1 + r.nextInt(4), 1 + r.nextInt(9));
      int axis = r.nextInt(4) - (i % 2 == 0 ? 0 : 4);  // negative axes too
      int a = axis < 0 ? axis + 4 : axis;
      int channels = (int) shape.dim(a);
      double[] scales = new double[channels];
      long[] zeros = new long[channels];
      for (int c = 0; c < channels; c++) {
        scales[c] = c % 3 == 0 ? 0.5 : 0.001 + r.nextFloat() * 0.1;
        zeros[c] = rand8(r, t);
      }
      float[] x = new float[(int) shape.numElements()];
      for (int j = 0; j < x.length; j++) {
        x[j] = j % 3 == 0 ? (r.nextInt(600) - 300) * 0.25f : (float) (r.nextGaussian() * 20);
      }
      x[0] = Float.NaN;
      if (x.length > 2) {
        x[1] = Float.POSITIVE_INFINITY;
        x[2] = Float.NEGATIVE_INFINITY;
      }
      try (Graph q = new Graph("q")) {
        q.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, shape));
        q.outputs().add(ValueInfo.tensor("y", t, shape));
        q.initializers().put("s", Tensor.ofDoubles(DType.FLOAT32, Shape.of(channels), scales));
        q.initializers().put("z", Tensor.ofLongs(t, Shape.of(channels), zeros));
        Node qn = new Node("q", "QuantizeLinear", List.of("x", "s", "z"), List.of("y"));
        qn.setAttr(Attribute.ofInt("axis", axis));
        q.nodes().add(qn);
        try (Tensor xt = Tensor.ofFloats(shape, x)) {
          assertSame(q, Map.of("x", xt), "per-axis QuantizeLinear " + t + " axis " + axis + " case " + i, 1 + i % 2);
        }
        try (Graph d = new Graph("d")) {
          d.inputs().add(ValueInfo.tensor("x", t, shape));
          d.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, shape));
          d.initializers().put("s", Tensor.ofDoubles(DType.FLOAT32, Shape.of(channels), scales));
          d.initializers().put("z", Tensor.ofLongs(t, Shape.of(channels), zeros));
          Node dn = new Node("d", "DequantizeLinear", List.of("x", "s", "z"), List.of("y"));
          dn.setAttr(Attribute.ofInt("axis", axis));
          d.nodes().add(dn);
          try (Tensor xt = random8(r, t, shape); Session ref = Session.open(copy(d), REF);
               Session cpu = Session.open(copy(d), cpu(1 + i % 2))) {
            Map<String, Tensor> ra = ref.run(Map.of("x", xt));
            Map<String, Tensor> rb = cpu.run(Map.of("x", xt));
            assertArrayEquals(ra.get("y").toFloatArray(), rb.get("y").toFloatArray(), "per-axis DequantizeLinear " + i);
            ra.values().forEach(Tensor::close);
            rb.values().forEach(Tensor::close);
          }
        }
      }
    }
  }

  /**
   * DequantizeLinear -> float elementwise ops -> QuantizeLinear (the hard-swish a QDQ PaddleOCR model quantizes
   * around, with a per-channel scale; a Sigmoid and a Sqrt that makes NaNs; a bare requantization) become one table
   * lookup on cpu that gives ref's bytes exactly.
   */
  @Test
  void quantizedElementwiseRunsBecomeLookupsBitExactWithRef() {
    Random r = new Random(13);
    for (int variant = 0; variant < 6; variant++) {
      DType in = variant % 2 == 0 ? DType.UINT8 : DType.INT8;
      DType out = variant % 3 == 0 ? DType.INT8 : DType.UINT8;
      long channels = 3 + variant;
      Shape shape = Shape.of(2, channels, 5, 7);
      try (Graph g = new Graph("lookup")) {
        g.inputs().add(ValueInfo.tensor("x", in, shape));
        g.outputs().add(ValueInfo.tensor("y", out, shape));
        g.initializers().put("xs", Tensor.ofDoubles(DType.FLOAT32, Shape.of(), 0.02 + 0.01 * variant));
        g.initializers().put("xz", Tensor.ofLongs(in, Shape.of(), rand8(r, in)));
        g.initializers().put("ys", Tensor.ofDoubles(DType.FLOAT32, Shape.of(), 0.015 + 0.005 * variant));
        g.initializers().put("yz", Tensor.ofLongs(out, Shape.of(), rand8(r, out)));
        g.nodes().add(new Node("dq", "DequantizeLinear", List.of("x", "xs", "xz"), List.of("d")));
        String last = "d";
        switch (variant % 3) {
          case 0 -> {
            double[] scale = new double[(int) channels];
            for (int c = 0; c < channels; c++) {
              scale[c] = 0.5 + r.nextDouble();
            }
            g.initializers().put("cs", Tensor.ofDoubles(DType.FLOAT32, Shape.of(channels, 1, 1), scale));
            g.initializers().put("bias", Tensor.ofDoubles(DType.FLOAT32, Shape.of(1), 0.25));
            g.initializers().put("three", Tensor.ofDoubles(DType.FLOAT32, Shape.of(), 3));
            g.initializers().put("lo", Tensor.ofDoubles(DType.FLOAT32, Shape.of(), 0));
            g.initializers().put("six", Tensor.ofDoubles(DType.FLOAT32, Shape.of(), 6));
            g.nodes().add(new Node("scale", "Mul", List.of("d", "cs"), List.of("m")));
            g.nodes().add(new Node("shift", "Add", List.of("m", "bias"), List.of("a")));
            g.nodes().add(new Node("plus3", "Add", List.of("a", "three"), List.of("p")));
            g.nodes().add(new Node("clip", "Clip", List.of("p", "lo", "six"), List.of("c")));
            g.nodes().add(new Node("times", "Mul", List.of("a", "c"), List.of("t")));
            g.nodes().add(new Node("div6", "Div", List.of("t", "six"), List.of("h")));
            last = "h";
          }
          case 1 -> {
            g.nodes().add(new Node("sig", "Sigmoid", List.of("d"), List.of("sg")));
            g.initializers().put("half", Tensor.ofDoubles(DType.FLOAT32, Shape.of(), 0.5));
            g.nodes().add(new Node("sub", "Sub", List.of("sg", "half"), List.of("sb")));
            g.nodes().add(new Node("sqrt", "Sqrt", List.of("sb"), List.of("sq")));  // NaN below 0.5: stored as 0
            last = "sq";
          }
          default -> { }  // DQ -> Q: a requantization
        }
        g.nodes().add(new Node("q", "QuantizeLinear", List.of(last, "ys", "yz"), List.of("y")));
        for (int threads = 1; threads <= 2; threads++) {
          try (Tensor xt = random8(r, in, shape)) {
            assertSame(g, Map.of("x", xt), "lookup variant " + variant, threads);
          }
        }
        try (Session cpu = Session.open(copy(g), cpu(1))) {
          List<String> ops = cpu.placement().stream().map(p -> p.op()).toList();
          assertEquals(List.of(CpuElementwise.DOMAIN + "." + QuantizedTables.OP), ops,
              "variant " + variant + " runs as one lookup");
        }
      }
    }
  }

  /**
   * A QLinearConv whose output feeds only a lookup (DequantizeLinear -> a per-channel scale and a sigmoid, or a
   * bare requantization -> QuantizeLinear) runs on cpu as one QLinearConvLookup node (the lookup applied in the
   * conv's output pass) and gives ref's bytes: depthwise, dense 3x3 stride 2 (B packed from the image), grouped and
   * pointwise convolutions, odd channels, int8 and uint8 in and out, per-channel and per-tensor tables, 1 and 2
   * threads. Where the conv's output is also a graph output the two stay apart.
   */
  @Test
  void qlinearConvFollowedByLookupRunsAsOneNodeBitExactWithRef() {
    String was = System.getProperty("edgewise.cpu.convLookups");
    System.setProperty("edgewise.cpu.convLookups", "true");  // off by default (QuantizedTables)
    try {
      convLookups();
    } finally {
      if (was == null) {
        System.clearProperty("edgewise.cpu.convLookups");
      } else {
        System.setProperty("edgewise.cpu.convLookups", was);
      }
    }
  }

  private static void convLookups() {
    Random r = new Random(31);
    long[] one = {1, 1};
    List<Conv> convs = List.of(
        new Conv(1, 5, 6, 80, 5, 3, 3, one, one, new long[] {1, 1, 1, 1}, 5),        // depthwise, a row of 80
        new Conv(1, 3, 20, 70, 7, 3, 3, new long[] {2, 2}, one, new long[] {1, 1, 1, 1}, 1),  // dense, stride 2
        new Conv(1, 6, 5, 21, 9, 3, 3, one, one, new long[] {1, 1, 1, 1}, 3),        // grouped
        new Conv(2, 7, 4, 30, 11, 1, 1, one, one, new long[] {0, 0, 0, 0}, 1));      // pointwise, batch 2
    int i = 0;
    for (Conv conv : convs) {
      for (int variant = 0; variant < 3; variant++, i++) {
        DType mid = i % 2 == 0 ? DType.UINT8 : DType.INT8;
        DType out = variant == 1 ? DType.INT8 : DType.UINT8;
        boolean alsoOutput = variant == 2;
        try (Graph g = qlinearConvGraph(r, conv, i % 3 == 0 ? DType.INT8 : DType.UINT8, i % 2 == 0 ? DType.INT8
            : DType.UINT8, mid, i % 4 != 3, false)) {
          Node c = g.nodes().remove(0);
          Node renamed = new Node(c.name(), c.opType(), c.domain(), c.inputs(), List.of("c"), c.attributes());
          g.nodes().add(renamed);
          g.outputs().clear();
          g.outputs().add(ValueInfo.tensor("y", out, Shape.of(conv.n, conv.m, conv.oh(), conv.ow())));
          if (alsoOutput) {
            g.outputs().add(ValueInfo.tensor("c", mid, Shape.of(conv.n, conv.m, conv.oh(), conv.ow())));
          }
          g.nodes().add(new Node("dq", "DequantizeLinear", List.of("c", "ys", "yz"), List.of("d")));
          String last = "d";
          if (variant != 1) {  // a per-channel scale, then a sigmoid: one table per channel
            double[] scale = new double[(int) conv.m];
            for (int k = 0; k < scale.length; k++) {
              scale[k] = 0.5 + r.nextDouble();
            }
            g.initializers().put("cs", Tensor.ofDoubles(DType.FLOAT32, Shape.of(conv.m, 1, 1), scale));
            g.nodes().add(new Node("scale", "Mul", List.of("d", "cs"), List.of("m")));
            g.nodes().add(new Node("sig", "Sigmoid", List.of("m"), List.of("h")));
            last = "h";
          }
          g.initializers().put("qs", Tensor.ofDoubles(DType.FLOAT32, Shape.of(), 0.01 + 0.004 * variant));
          g.initializers().put("qz", Tensor.ofLongs(out, Shape.of(), out == DType.UINT8 ? 17 + i : -3 - i));
          g.nodes().add(new Node("q2", "QuantizeLinear", List.of(last, "qs", "qz"), List.of("y")));
          String what = "conv+lookup " + conv + " variant " + variant + " " + mid + " -> " + out;
          try (Tensor x = random8(r, g.inputs().get(0).dtype(), Shape.of(conv.n, conv.c, conv.h, conv.w))) {
            assertSame(g, Map.of("x", x), what, 1 + i % 2);
          }
          try (Session cpu = Session.open(copy(g), cpu(1))) {
            List<String> ops = cpu.placement().stream().map(p -> p.op()).toList();
            List<String> expected = alsoOutput
                ? List.of("QLinearConv", CpuElementwise.DOMAIN + "." + QuantizedTables.OP)
                : List.of(CpuElementwise.DOMAIN + "." + QuantizedTables.CONV_OP);
            assertEquals(expected, ops, what);
          }
        }
      }
    }
  }

  @Test
  void nativeQuantKernelsRefuseBadSizesNamingTheNode() {
    try (Tensor x = Tensor.allocate(DType.UINT8, Shape.of(8)); Tensor t = Tensor.allocate(DType.UINT8, Shape.of(256))) {
      io.edgewise.EdgewiseException e = org.junit.jupiter.api.Assertions.assertThrows(
          io.edgewise.EdgewiseException.class, () -> io.edgewise.nativecore.NativeCore.lookup8("node 'q'", 1, 1, 16,
              t.nativeAddress(), 1, t.size(), x.nativeAddress(), x.size(), x.nativeAddress(), x.size()));
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("node 'q'"), e.getMessage());
      e = org.junit.jupiter.api.Assertions.assertThrows(io.edgewise.EdgewiseException.class,
          () -> io.edgewise.nativecore.NativeCore.dequantizeLinear("node 'd'", 1, 4, 2, false, x.nativeAddress(),
              x.size(), new float[] {1, 1, 1}, new int[] {0, 0, 0}, t.nativeAddress(), 64));
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("node 'd'"), e.getMessage());
    }
  }
}

package io.edgewise.zoo.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.train.DataSplit;
import io.edgewise.zoo.Transform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QDQ quantizer on the real digits CNN: the file ONNX Runtime loads, compared with the float model (ORT), the
 * accuracy on the test split, the weights against a hand computation, and Edgewise's cpu (QDQ fused into
 * QLinearConv on the int8 kernels) against the unfused QDQ graph on the reference device.
 */
class QdqQuantizerTest {
  static final Path DIGITS = Path.of("../shared/testdata/digits");
  static final Path MODEL = Path.of("../shared/testdata/models/digits_cnn_0to9/model.onnx");
  static DataSplit split;

  @TempDir
  static Path dir;
  static Path qdq;
  static Map<String, ActivationStats> stats;

  @BeforeAll
  static void quantize() {
    assumeTrue(Files.isRegularFile(MODEL), "needs ../shared/testdata");
    split = DataSplit.load(DIGITS, DIGITS.resolve("split_seed0.json"), DataSplit.Protocol.A, 0);
    List<Map<String, Tensor>> cal = new ArrayList<>();
    for (int r = 0; r < 200; r++) {
      cal.add(Map.of("input", row(split.train().features(), r)));
    }
    try (Model m = OnnxImporter.load(MODEL)) {
      QdqQuantizer.Plan plan = QdqQuantizer.plan(m);
      assertNull(plan.skipReason());
      stats = Calibrator.run(MODEL, plan.activations(), cal, "cpu", 1);
    } finally {
      cal.forEach(in -> in.values().forEach(Tensor::close));
    }
    qdq = dir.resolve("int8.onnx");
    QdqQuantizer.Result r = QdqQuantizer.quantize(MODEL, stats, new Transform.Quantize("minmax", 99.99, false), qdq);
    assertNull(r.skipReason());
    assertEquals(3, r.layers(), "two Convs and the Gemm");
  }

  static Tensor row(float[] features, int r) {
    float[] x = new float[64];
    System.arraycopy(features, r * 64, x, 0, 64);
    return Tensor.ofFloats(Shape.of(1, 1, 8, 8), x);
  }

  /** Logits of every test row. */
  static float[][] logits(Path model, SessionOptions so) {
    float[] f = split.test().features();
    float[][] out = new float[split.test().size()][];
    try (Session s = Session.open(model, so)) {
      for (int r = 0; r < out.length; r++) {
        try (Tensor x = row(f, r)) {
          Map<String, Tensor> y = s.run(Map.of("input", x));
          out[r] = y.get("logits").toFloatArray();
          y.values().forEach(Tensor::close);
        }
      }
    }
    return out;
  }

  static int argmax(float[] v) {
    int b = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[b]) {
        b = i;
      }
    }
    return b;
  }

  static double accuracy(float[][] logits) {
    int ok = 0;
    for (int r = 0; r < logits.length; r++) {
      ok += argmax(logits[r]) == split.test().labels()[r] ? 1 : 0;
    }
    return (double) ok / logits.length;
  }

  @Test
  void writesStandardQdqWithPerChannelWeights() throws Exception {
    try (Model q = OnnxImporter.load(qdq); Model f = OnnxImporter.load(MODEL)) {
      Map<String, Integer> ops = q.graph().opCounts();
      assertEquals(2, ops.get("Conv"));
      assertTrue(ops.get("QuantizeLinear") >= 2, ops.toString());
      // two weights, two biases and the activations
      assertTrue(ops.get("DequantizeLinear") >= 6, ops.toString());
      Node conv = q.graph().nodes().stream().filter(n -> n.opType().equals("Conv")).findFirst().orElseThrow();
      Node dw = q.graph().producer(conv.input(1));
      assertEquals("DequantizeLinear", dw.opType());
      assertEquals(0, dw.attrInt("axis", 1));
      Tensor wq = q.graph().initializers().get(dw.input(0));
      Tensor ws = q.graph().initializers().get(dw.input(1));
      assertEquals(DType.INT8, wq.dtype());
      // hand check: channel 0's scale is max|w| / 127 and its largest weight quantizes to +-127
      Node fconv = f.graph().nodes().stream().filter(n -> n.opType().equals("Conv")).findFirst().orElseThrow();
      float[] w = f.graph().initializers().get(fconv.input(1)).toFloatArray();
      int per = (int) (w.length / wq.shape().dim(0));
      double max = 0;
      int at = 0;
      for (int i = 0; i < per; i++) {
        if (Math.abs(w[i]) > max) {
          max = Math.abs(w[i]);
          at = i;
        }
      }
      assertEquals(max / 127, ws.getDouble(0), 1e-7 * max);
      assertEquals(127, Math.abs(wq.getLong(at)));
      assertEquals(Math.round(w[0] / ws.getDouble(0)), wq.getLong(0));
    }
  }

  @Test
  void onnxRuntimeRunsItCloseToFloatAndAsAccurate() {
    SessionOptions ort = SessionOptions.defaults().withDevice("ort").withThreads(1);
    float[][] fl = logits(MODEL, ort);
    float[][] q = logits(qdq, ort);
    double maxAbs = 0;
    double maxDiff = 0;
    int agree = 0;
    for (int r = 0; r < fl.length; r++) {
      for (int k = 0; k < fl[r].length; k++) {
        maxAbs = Math.max(maxAbs, Math.abs(fl[r][k]));
        maxDiff = Math.max(maxDiff, Math.abs(fl[r][k] - q[r][k]));
      }
      agree += argmax(fl[r]) == argmax(q[r]) ? 1 : 0;
    }
    // the README's reduced-precision bounds: 5e-2 of max|expected|, argmax on >= 99% rows, accuracy within 1 point
    assertTrue(maxDiff <= 5e-2 * maxAbs, "max diff " + maxDiff + " of max " + maxAbs);
    assertTrue(agree >= 0.99 * fl.length, agree + " of " + fl.length + " rows agree");
    assertTrue(Math.abs(accuracy(fl) - accuracy(q)) <= 0.01, accuracy(fl) + " vs " + accuracy(q));
  }

  @Test
  void cpuRunsTheConvsAsQLinearConvMatchingTheQdqSemantics() {
    try (Session s = Session.open(qdq, SessionOptions.defaults().withDevice("cpu").withThreads(1))) {
      Map<String, Integer> ops = s.model().graph().opCounts();
      assertEquals(2, ops.getOrDefault("QLinearConv", 0), ops.toString());
      assertEquals(0, ops.getOrDefault("Conv", 0) + ops.getOrDefault("FusedConv", 0), ops.toString());
    }
    // oracle: the QDQ graph as written (DequantizeLinear -> float Conv -> QuantizeLinear) on the reference device
    float[][] ref = logits(qdq, SessionOptions.defaults().withDevice("ref").withOptimize(false));
    float[][] cpu = logits(qdq, SessionOptions.defaults().withDevice("cpu").withThreads(1));
    float[][] ort = logits(qdq, SessionOptions.defaults().withDevice("ort").withThreads(1));
    double maxAbs = 0;
    double diffRef = 0;
    double diffOrt = 0;
    for (int r = 0; r < ref.length; r++) {
      for (int k = 0; k < ref[r].length; k++) {
        maxAbs = Math.max(maxAbs, Math.abs(ref[r][k]));
        diffRef = Math.max(diffRef, Math.abs(ref[r][k] - cpu[r][k]));
        diffOrt = Math.max(diffOrt, Math.abs(ort[r][k] - cpu[r][k]));
      }
    }
    // integer sums are exact; only the float rounding of a requantization may move a value by one step
    assertTrue(diffRef <= 2e-2 * maxAbs, "cpu vs ref QDQ: " + diffRef + " of " + maxAbs);
    assertTrue(diffOrt <= 2e-2 * maxAbs, "cpu vs ort QDQ: " + diffOrt + " of " + maxAbs);
    assertTrue(Math.abs(accuracy(cpu) - accuracy(ort)) <= 0.005, accuracy(cpu) + " vs " + accuracy(ort));
  }

  @Test
  void calibrationMethodsNarrowTheRange() {
    for (ActivationStats s : stats.values()) {
      double[] mm = s.range("minmax", 0);
      double[] p = s.range("percentile", 99.0);
      double[] e = s.range("entropy", 0);
      assertTrue(mm[0] <= 0 && mm[1] >= 0);
      assertTrue(p[1] <= mm[1] + 1e-9 && p[0] >= mm[0] - 1e-9, "percentile within min-max");
      assertTrue(e[1] <= mm[1] + 1e-9 && e[1] > 0, "entropy within min-max");
    }
  }

  @Test
  void fp16HalvesTheWeightsAndStaysClose() {
    Path half = dir.resolve("fp16.onnx");
    Fp16Converter.Result r = Fp16Converter.convert(MODEL, half);
    assertNull(r.skipReason());
    assertTrue(r.converted() >= 3, "converted " + r.converted());
    try (Model m = OnnxImporter.load(half)) {
      assertTrue(m.graph().initializers().values().stream().anyMatch(t -> t.dtype() == DType.FLOAT16));
      assertEquals(r.converted(), m.graph().opCounts().get("Cast"));
    }
    float[][] fl = logits(MODEL, SessionOptions.defaults().withDevice("ort").withThreads(1));
    for (String device : List.of("ort", "cpu")) {
      float[][] h = logits(half, SessionOptions.defaults().withDevice(device).withThreads(1));
      double maxAbs = 0;
      double diff = 0;
      for (int i = 0; i < fl.length; i++) {
        for (int k = 0; k < fl[i].length; k++) {
          maxAbs = Math.max(maxAbs, Math.abs(fl[i][k]));
          diff = Math.max(diff, Math.abs(fl[i][k] - h[i][k]));
        }
        assertEquals(argmax(fl[i]), argmax(h[i]), device + " row " + i);
      }
      assertTrue(diff <= 5e-3 * maxAbs, device + ": fp16 vs float " + diff + " of " + maxAbs);
    }
  }

  /**
   * A Conv whose output channel has decayed to subnormal weights (PaddleOCR's recogniser has such channels) is still
   * quantized so that the cpu runs it as QLinearConv: that channel is stored as zeros at scale 1, and the outputs
   * stay close to the float model's on ONNX Runtime.
   */
  @Test
  void deadChannelsStillFuseIntoQLinearConv() throws Exception {
    io.edgewise.model.Graph g = new io.edgewise.model.Graph("dead");
    Shape xs = Shape.of(1, 3, 6, 6);
    g.inputs().add(io.edgewise.model.ValueInfo.tensor("x", DType.FLOAT32, xs));
    g.outputs().add(io.edgewise.model.ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, 2, 6, 6)));
    float[] w1 = new float[4 * 3];
    float[] w2 = new float[2 * 4];
    java.util.Random r = new java.util.Random(3);
    for (int i = 0; i < w1.length; i++) {
      w1[i] = i / 3 == 1 ? 1e-40f * (1 + i) : (float) r.nextGaussian();  // output channel 1 is dead
    }
    for (int i = 0; i < w2.length; i++) {
      w2[i] = (float) r.nextGaussian();
    }
    g.initializers().put("w1", Tensor.ofFloats(Shape.of(4, 3, 1, 1), w1));
    g.initializers().put("b1", Tensor.ofFloats(Shape.of(4), 0.5f, 0.25f, -0.5f, 0.1f));
    g.initializers().put("w2", Tensor.ofFloats(Shape.of(2, 4, 1, 1), w2));
    g.initializers().put("b2", Tensor.ofFloats(Shape.of(2), 0.1f, -0.2f));
    g.nodes().add(new Node("c1", "Conv", List.of("x", "w1", "b1"), List.of("h")));
    g.nodes().add(new Node("relu", "Relu", List.of("h"), List.of("hr")));
    g.nodes().add(new Node("c2", "Conv", List.of("hr", "w2", "b2"), List.of("c")));
    g.nodes().add(new Node("sig", "Sigmoid", List.of("c"), List.of("y")));
    Path f = dir.resolve("dead.onnx");
    io.edgewise.model.onnx.OnnxExporter.save(new Model(g, Map.of("", 13L), 8, "test", null, null), f);
    List<Map<String, Tensor>> cal = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      float[] v = new float[(int) xs.numElements()];
      for (int j = 0; j < v.length; j++) {
        v[j] = (float) r.nextGaussian();
      }
      cal.add(Map.of("x", Tensor.ofFloats(xs, v)));
    }
    Path q = dir.resolve("dead-int8.onnx");
    try (Model m = OnnxImporter.load(f)) {
      Map<String, ActivationStats> st = Calibrator.run(f, QdqQuantizer.plan(m).activations(), cal, "cpu", 1);
      assertNull(QdqQuantizer.quantize(f, st, new Transform.Quantize("minmax", 99.99, false), q).skipReason());
    }
    try (Session s = Session.open(q, SessionOptions.defaults().withDevice("cpu").withThreads(1))) {
      Map<String, Integer> ops = s.model().graph().opCounts();
      assertEquals(2, ops.getOrDefault("QLinearConv", 0), ops.toString());
      assertEquals(0, ops.getOrDefault("Conv", 0) + ops.getOrDefault("FusedConv", 0), ops.toString());
    }
    SessionOptions ort = SessionOptions.defaults().withDevice("ort").withThreads(1);
    try (Session fl = Session.open(f, ort); Session in8 = Session.open(q, ort)) {
      for (Map<String, Tensor> in : cal) {
        Map<String, Tensor> a = fl.run(in);
        Map<String, Tensor> b = in8.run(in);
        float[] ya = a.get("y").toFloatArray();
        float[] yb = b.get("y").toFloatArray();
        for (int i = 0; i < ya.length; i++) {
          assertTrue(Math.abs(ya[i] - yb[i]) < 0.05, "int8 " + yb[i] + " vs float " + ya[i] + " at " + i);
        }
        a.values().forEach(Tensor::close);
        b.values().forEach(Tensor::close);
      }
    } finally {
      cal.forEach(in -> in.values().forEach(Tensor::close));
    }
  }
}

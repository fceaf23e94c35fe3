package io.edgewise.zoo.quant;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.onnx.OnnxExporter;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.model.passes.GraphEdits;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.zoo.Transform;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * int8 static post-training quantization written as a standard QDQ model (the format ONNX Runtime's quantizer
 * writes and its QDQ transformers fuse): every 2-D Conv with constant weights reads its input through
 * QuantizeLinear/DequantizeLinear (activations uint8, or int8, asymmetric, range from calibration), its weights
 * through DequantizeLinear of int8 per output channel (symmetric, zero point 0, axis 0), its bias through
 * DequantizeLinear of int32 at scale x_scale * w_scale; its output (after a Relu it feeds alone) is quantized too, so
 * a runtime can run DQ -> Conv -> Q as one QLinearConv. A Gemm with constant weights (alpha = beta = 1) gets int8
 * weights per output unit, a quantized input and an int32 bias the same way; its output stays float. Every other op
 * stays float and reads the dequantized values.
 */
public final class QdqQuantizer {
  /** Where a Conv is quantized: its activation input and the output quantized after it (Conv's or its Relu's). */
  public record Site(Node conv, String input, String output) {}

  /** The Convs of a model that can be quantized, the activations to calibrate, or why none can. */
  public record Plan(List<Site> sites, Set<String> activations, String skipReason) {}

  /** The outcome of one quantization: how many Convs and Gemms were quantized, or why the model was left alone. */
  public record Result(int layers, String skipReason) {}

  /** Weights of a channel whose largest magnitude is below this are taken as zeros. */
  static final double DEAD_WEIGHT = 1e-30;

  private QdqQuantizer() {}

  /**
   * The plan of the model in {@code file}, read and closed here: for callers that then quantize the file itself and
   * need only the activations to calibrate and the skip reason (the sites name nodes of the closed model).
   */
  public static Plan plan(Path file) {
    try (Model m = OnnxImporter.load(file)) {
      return plan(m);
    }
  }

  public static Plan plan(Model model) {
    Graph g = model.graph();
    ConstantNodes.toInitializers(g);
    String why = OpsetUpgrade.check(model);
    if (why != null) {
      return new Plan(List.of(), Set.of(), "per-channel QDQ needs opset 13: " + why);
    }
    var index = g.index();
    List<Site> sites = new ArrayList<>();
    Set<String> activations = new LinkedHashSet<>();
    for (Node n : g.nodes()) {
      if (isPlainGemm(g, n)) {
        // a fully connected layer: int8 weights per output unit; its output (usually the logits) stays float
        sites.add(new Site(n, n.input(0), null));
        activations.add(n.input(0));
        continue;
      }
      if (!n.opType().equals("Conv") || !n.domain().isEmpty() || n.inputs().size() < 2) {
        continue;
      }
      Tensor w = g.initializers().get(n.input(1));
      if (w == null || w.dtype() != DType.FLOAT32 || w.shape().rank() != 4 || g.isInitializer(n.input(0))) {
        continue;
      }
      if (n.hasInput(2) && !n.input(2).isEmpty() && !g.isInitializer(n.input(2))) {
        continue;
      }
      String out = n.output(0);
      Node next = index.soleConsumer(out);
      if (next != null && next.opType().equals("Relu") && next.domain().isEmpty()) {
        out = next.output(0);
      }
      if (g.isOutput(out) || g.isOutput(n.output(0))) {
        out = null;
      }
      sites.add(new Site(n, n.input(0), out));
      activations.add(n.input(0));
      if (out != null) {
        activations.add(out);
      }
    }
    return new Plan(sites, activations, sites.isEmpty() ? "no 2-D Conv or Gemm with constant weights to quantize"
        : null);
  }

  /** Gemm(A, constant B[, constant C of N values]) with alpha = beta = 1 and A not transposed. */
  private static boolean isPlainGemm(Graph g, Node n) {
    if (!n.opType().equals("Gemm") || !n.domain().isEmpty() || n.inputs().size() < 2
        || n.attrFloat("alpha", 1f) != 1f || n.attrFloat("beta", 1f) != 1f || n.attrInt("transA", 0) != 0) {
      return false;
    }
    Tensor b = g.initializers().get(n.input(1));
    if (b == null || b.dtype() != DType.FLOAT32 || b.shape().rank() != 2 || g.isInitializer(n.input(0))) {
      return false;
    }
    long units = b.shape().dim(n.attrInt("transB", 0) != 0 ? 0 : 1);
    if (n.hasInput(2) && !n.input(2).isEmpty()) {
      Tensor c = g.initializers().get(n.input(2));
      return c != null && c.dtype() == DType.FLOAT32 && c.shape().rank() == 1 && c.size() == units;
    }
    return true;
  }

  /** The axis of a weight's output channels: 0 for Conv and Gemm with transB, 1 for Gemm's [K, N]. */
  private static int channelAxis(Node n) {
    return n.opType().equals("Gemm") && n.attrInt("transB", 0) == 0 ? 1 : 0;
  }

  /**
   * Quantizes a float model file into {@code out} with the ranges the statistics give for this request's calibration
   * method. Returns the skip reason (and writes nothing) where the model has no quantizable Conv.
   */
  public static Result quantize(Path floatModel, Map<String, ActivationStats> stats, Transform.Quantize q, Path out) {
    return quantize(OnnxImporter.load(floatModel), stats, q, out);
  }

  /** The same over a model already imported, which the quantizer edits and closes. */
  public static Result quantize(Model imported, Map<String, ActivationStats> stats, Transform.Quantize q, Path out) {
    try (Model model = imported) {
      ConstantNodes.toInitializers(model.graph());
      String upgrade = OpsetUpgrade.apply(model);
      if (upgrade != null) {
        return new Result(0, "per-channel QDQ needs opset 13: " + upgrade);
      }
      Plan plan = plan(model);
      if (plan.skipReason() != null) {
        return new Result(0, plan.skipReason());
      }
      Graph g = model.graph();
      Set<String> used = new HashSet<>();
      g.nodes().forEach(n -> { used.addAll(n.inputs()); used.addAll(n.outputs()); used.add(n.name()); });
      used.addAll(g.initializers().keySet());
      g.inputs().forEach(v -> used.add(v.name()));
      // activation -> its dequantized name and scale
      Map<String, String> dequantized = new LinkedHashMap<>();
      Map<String, Double> scales = new LinkedHashMap<>();
      List<Node> added = new ArrayList<>();
      for (String a : plan.activations()) {
        ActivationStats s = stats.get(a);
        if (s == null || !Double.isFinite(s.min())) {
          continue;
        }
        double[] r = s.range(q.calibration(), q.percentile());
        double scale = (r[1] - r[0]) / 255.0;
        if (!(scale > 0)) {
          scale = 1.0;
        }
        long zero = Math.round(-r[0] / scale) + (q.signedActivations() ? -128 : 0);
        zero = q.signedActivations() ? Math.max(-128, Math.min(127, zero)) : Math.max(0, Math.min(255, zero));
        DType type = q.signedActivations() ? DType.INT8 : DType.UINT8;
        String scaleName = fresh(used, a + "_scale");
        String zeroName = fresh(used, a + "_zero_point");
        String qName = fresh(used, a + "_QuantizeLinear");
        String dqName = fresh(used, a + "_DequantizeLinear");
        g.initializers().put(scaleName, Tensor.ofDoubles(DType.FLOAT32, Shape.scalar(), scale));
        g.initializers().put(zeroName, Tensor.ofLongs(type, Shape.scalar(), zero));
        added.add(new Node(fresh(used, a + "_QuantizeLinear_node"), "QuantizeLinear", List.of(a, scaleName, zeroName),
            List.of(qName)));
        added.add(new Node(fresh(used, a + "_DequantizeLinear_node"), "DequantizeLinear",
            List.of(qName, scaleName, zeroName), List.of(dqName)));
        dequantized.put(a, dqName);
        scales.put(a, (double) (float) scale);
      }
      // every reader of a quantized activation reads its dequantized value instead (graph outputs keep the float)
      List<Node> nodes = g.nodes();
      for (int i = 0; i < nodes.size(); i++) {
        Node n = nodes.get(i);
        List<String> ins = new ArrayList<>(n.inputs());
        boolean changed = false;
        for (int k = 0; k < ins.size(); k++) {
          String d = dequantized.get(ins.get(k));
          if (d != null) {
            ins.set(k, d);
            changed = true;
          }
        }
        if (changed) {
          nodes.set(i, new Node(n.name(), n.opType(), n.domain(), ins, n.outputs(), n.attributes()));
        }
      }
      Map<String, Node> byName = new LinkedHashMap<>();
      nodes.forEach(n -> byName.put(n.name() + "\u0000" + n.output(0), n));
      int convs = 0;
      for (Site site : plan.sites()) {
        Double xs = scales.get(site.input());
        if (xs == null) {
          continue;
        }
        Node conv = byName.get(site.conv().name() + "\u0000" + site.conv().output(0));
        int at = nodes.indexOf(conv);
        Tensor w = g.initializers().get(conv.input(1));
        List<String> ins = new ArrayList<>(conv.inputs());
        double[] ws = weights(g, w, channelAxis(conv), conv, used, ins, added);
        if (conv.hasInput(2) && !conv.input(2).isEmpty()) {
          bias(g, g.initializers().get(conv.input(2)), xs, ws, conv, used, ins, added);
        }
        nodes.set(at, new Node(conv.name(), conv.opType(), conv.domain(), ins, conv.outputs(), conv.attributes()));
        convs++;
      }
      nodes.addAll(added);
      g.sortTopologically();
      GraphEdits.removeUnusedInitializers(g);
      OnnxExporter.save(model, out);
      return new Result(convs, null);
    }
  }

  /** int8 weights per output channel (along {@code axis}), symmetric: scale = max|w| / 127. Returns the scales. */
  private static double[] weights(Graph g, Tensor w, int axis, Node conv, Set<String> used, List<String> ins,
      List<Node> added) {
    int m = (int) w.shape().dim(axis);
    long inner = 1;
    for (int d = axis + 1; d < w.shape().rank(); d++) {
      inner *= w.shape().dim(d);
    }
    float[] v = w.toFloatArray();
    double[] max = new double[m];
    for (int i = 0; i < v.length; i++) {
      int c = (int) ((i / inner) % m);
      max[c] = Math.max(max[c], Math.abs(v[i]));
    }
    double[] scale = new double[m];
    for (int c = 0; c < m; c++) {
      // a dead channel (trained weights decayed to ~1e-40) is stored as zeros at scale 1: a subnormal weight scale
      // would make its bias scale x_scale * w_scale subnormal too, off the product by more than float rounding, and
      // no runtime (ours, ONNX Runtime's QDQ fusion) could run that Conv as a QLinearConv
      scale[c] = max[c] > DEAD_WEIGHT ? (float) (max[c] / 127.0) : 1.0;
    }
    double[] q = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      int c = (int) ((i / inner) % m);
      q[i] = Math.max(-127, Math.min(127, Math.rint(v[i] / scale[c])));
    }
    String base = conv.input(1);
    String qName = fresh(used, base + "_quantized");
    String sName = fresh(used, base + "_scale");
    String zName = fresh(used, base + "_zero_point");
    String dq = fresh(used, base + "_DequantizeLinear");
    g.initializers().put(qName, Tensor.ofDoubles(DType.INT8, w.shape(), q));
    g.initializers().put(sName, Tensor.ofDoubles(DType.FLOAT32, Shape.of(m), scale));
    g.initializers().put(zName, Tensor.ofDoubles(DType.INT8, Shape.of(m), new double[m]));
    Node node = new Node(fresh(used, dq + "_node"), "DequantizeLinear", List.of(qName, sName, zName), List.of(dq));
    node.setAttr(Attribute.ofInt("axis", axis));
    added.add(node);
    ins.set(1, dq);
    return scale;
  }

  /** int32 bias at scale x_scale * w_scale[m], zero point 0: what QLinearConv adds to its int32 sums. */
  private static void bias(Graph g, Tensor b, double xs, double[] ws, Node conv, Set<String> used, List<String> ins,
      List<Node> added) {
    int m = ws.length;
    float[] v = b.toFloatArray();
    double[] q = new double[m];
    double[] scale = new double[m];
    for (int c = 0; c < m; c++) {
      scale[c] = (float) (xs * (float) ws[c]);
      q[c] = Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, Math.rint(v[c] / scale[c])));
    }
    String base = conv.input(2);
    String qName = fresh(used, base + "_quantized");
    String sName = fresh(used, base + "_scale");
    String zName = fresh(used, base + "_zero_point");
    String dq = fresh(used, base + "_DequantizeLinear");
    g.initializers().put(qName, Tensor.ofDoubles(DType.INT32, Shape.of(m), q));
    g.initializers().put(sName, Tensor.ofDoubles(DType.FLOAT32, Shape.of(m), scale));
    g.initializers().put(zName, Tensor.ofDoubles(DType.INT32, Shape.of(m), new double[m]));
    added.add(axisZero(new Node(fresh(used, dq + "_node"), "DequantizeLinear", List.of(qName, sName, zName),
        List.of(dq))));
    ins.set(2, dq);
  }

  private static Node axisZero(Node n) {
    n.setAttr(Attribute.ofInt("axis", 0));
    return n;
  }

  static String fresh(Set<String> used, String base) {
    String name = base;
    for (int i = 1; used.contains(name); i++) {
      name = base + "_" + i;
    }
    used.add(name);
    return name;
  }
}

package io.edgewise.bench;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.model.onnx.OnnxExporter;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes small models built from the layer patterns of networks that are not in ../shared (random weights, one
 * directory each with model.onnx), for `edgewise bench` to compare cpu with ONNX Runtime on them:
 * densenet_block (BN-ReLU pre-activations after concats), effnet_block (SiLU, squeeze-and-excitation),
 * shufflenet_shuffle (channel shuffle by Reshape-Transpose-Reshape), mobilenetv3_hardsigmoid (a HardSigmoid gate),
 * googlenet_lrn (LRN after a convolution), resnext_grouped (a grouped 3x3 convolution, 4 channels per group).
 */
public final class PatternModels {
  private final Random random = new Random(1);
  private int id;

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: PatternModels OUT_DIR");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    PatternModels p = new PatternModels();
    p.save(out, "densenet_block", p.denseNet(), 1, 256, 1, 1);
    p.save(out, "effnet_block", p.efficientNet(), 1, 32, 1, 1);
    p.save(out, "shufflenet_shuffle", p.shuffle(), 1, 116, 28, 28);
    p.save(out, "mobilenetv3_hardsigmoid", p.hardSigmoid(), 1, 96, 28, 28);
    p.save(out, "googlenet_lrn", p.lrn(), 1, 64, 56, 56);
    p.save(out, "resnext_grouped", p.grouped(), 1, 128, 56, 56);
  }

  private void save(Path dir, String name, Graph g, long... outDims) throws IOException {
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, dims(outDims), null));
    Files.createDirectories(dir.resolve(name));
    OnnxExporter.save(new Model(g, Map.of("", 13L), 8, "edgewise-bench", null, null),
        dir.resolve(name).resolve("model.onnx"));
    System.out.println("wrote " + dir.resolve(name).resolve("model.onnx"));
  }

  /** Six DenseNet layers: BN-ReLU-conv1x1(4k)-BN-ReLU-conv3x3(k)-concat, k = 32, from 64 channels at 56x56. */
  private Graph denseNet() {
    Graph g = graph(1, 64, 56, 56);
    String x = conv(g, "input", 64, 64, 3, 1, false);
    long c = 64;
    for (int i = 0; i < 6; i++) {
      String h = conv(g, bnRelu(g, x, c), c, 128, 1, 1, false);
      h = conv(g, bnRelu(g, h, 128), 128, 32, 3, 1, false);
      x = node(g, "Concat", List.of(x, h), Attribute.ofInt("axis", 1));
      c += 32;
    }
    g.nodes().add(new Node("gap", "GlobalAveragePool", List.of(bnRelu(g, x, c)), List.of("y")));
    return g;
  }

  /** Four MBConv blocks: expand 32 -> 192, depthwise 3x3, SiLU after each, SE (192 -> 8 -> 192), project, add. */
  private Graph efficientNet() {
    Graph g = graph(1, 32, 56, 56);
    String x = "input";
    for (int i = 0; i < 4; i++) {
      String h = silu(g, conv(g, x, 32, 192, 1, 1, true));
      h = silu(g, conv(g, h, 192, 192, 3, 192, true));
      String squeeze = node(g, "GlobalAveragePool", List.of(h));
      String se = conv(g, silu(g, conv(g, squeeze, 192, 8, 1, 1, true)), 8, 192, 1, 1, true);
      String scaled = node(g, "Mul", List.of(h, node(g, "Sigmoid", List.of(se))));
      x = node(g, "Add", List.of(x, conv(g, scaled, 192, 32, 1, 1, true)));
    }
    g.nodes().add(new Node("gap", "GlobalAveragePool", List.of(x), List.of("y")));
    return g;
  }

  /** conv, channel shuffle of 2 groups ([1, 2, 58, 28, 28], perm 0 2 1 3 4), conv. */
  private Graph shuffle() {
    Graph g = graph(1, 116, 28, 28);
    String c = conv(g, "input", 116, 116, 1, 1, false);
    g.initializers().put("split_shape", Tensor.ofLongs(DType.INT64, Shape.of(5), 1, 2, 58, 28, 28));
    g.initializers().put("merged_shape", Tensor.ofLongs(DType.INT64, Shape.of(4), 1, 116, 28, 28));
    String t = node(g, "Transpose", List.of(node(g, "Reshape", List.of(c, "split_shape"))),
        Attribute.ofInts("perm", 0, 2, 1, 3, 4));
    convTo(g, node(g, "Reshape", List.of(t, "merged_shape")), "y", 116, 116, 1, 1);
    return g;
  }

  /** conv, x * HardSigmoid(x), conv (MobileNetV3's gate). */
  private Graph hardSigmoid() {
    Graph g = graph(1, 96, 28, 28);
    String c = conv(g, "input", 96, 96, 1, 1, false);
    convTo(g, node(g, "Mul", List.of(c, node(g, "HardSigmoid", List.of(c)))), "y", 96, 96, 1, 1);
    return g;
  }

  /** conv then LRN (size 5, alpha 1e-4, beta 0.75), as GoogLeNet's first layers. */
  private Graph lrn() {
    Graph g = graph(1, 64, 56, 56);
    Node n = new Node("lrn", "LRN", List.of(conv(g, "input", 64, 64, 1, 1, false)), List.of("y"));
    n.setAttr(Attribute.ofInt("size", 5));
    n.setAttr(Attribute.ofFloat("alpha", 1e-4f));
    n.setAttr(Attribute.ofFloat("beta", 0.75f));
    g.nodes().add(n);
    return g;
  }

  /** conv 1x1, then a 3x3 convolution of 32 groups of 4 channels (ResNeXt-50's first stage). */
  private Graph grouped() {
    Graph g = graph(1, 128, 56, 56);
    convTo(g, conv(g, "input", 128, 128, 1, 1, false), "y", 128, 128, 3, 32);
    return g;
  }

  private String bnRelu(Graph g, String in, long c) {
    String n = "bn" + id++;
    g.initializers().put(n + ".scale", positive(c));
    g.initializers().put(n + ".bias", weights(c));
    g.initializers().put(n + ".mean", weights(c));
    g.initializers().put(n + ".var", positive(c));
    g.nodes().add(new Node(n, "BatchNormalization", List.of(in, n + ".scale", n + ".bias", n + ".mean", n + ".var"),
        List.of(n)));
    return node(g, "Relu", List.of(n));
  }

  private String silu(Graph g, String in) {
    return node(g, "Mul", List.of(in, node(g, "Sigmoid", List.of(in))));
  }

  private String conv(Graph g, String in, long cin, long cout, int k, long group, boolean bias) {
    String out = "conv" + id++;
    if (bias) {
      g.initializers().put(out + ".b", weights(cout));
    }
    addConv(g, in, out, cin, cout, k, group, bias);
    return out;
  }

  private void convTo(Graph g, String in, String out, long cin, long cout, int k, long group) {
    addConv(g, in, out, cin, cout, k, group, false);
  }

  private void addConv(Graph g, String in, String out, long cin, long cout, int k, long group, boolean bias) {
    g.initializers().put(out + ".w", weights(cout, cin / group, k, k));
    Node n = new Node(out, "Conv", bias ? List.of(in, out + ".w", out + ".b") : List.of(in, out + ".w"),
        List.of(out));
    n.setAttr(Attribute.ofInts("pads", k / 2, k / 2, k / 2, k / 2));
    n.setAttr(Attribute.ofInt("group", group));
    g.nodes().add(n);
  }

  private String node(Graph g, String op, List<String> inputs, Attribute... attrs) {
    String out = op.toLowerCase() + id++;
    Node n = new Node(out, op, inputs, List.of(out));
    for (Attribute a : attrs) {
      n.setAttr(a);
    }
    g.nodes().add(n);
    return out;
  }

  private static Graph graph(long... input) {
    Graph g = new Graph("pattern");
    g.inputs().add(new ValueInfo("input", DType.FLOAT32, dims(input), null));
    return g;
  }

  private static List<Dim> dims(long... d) {
    List<Dim> l = new ArrayList<>();
    for (long x : d) {
      l.add(Dim.of(x));
    }
    return l;
  }

  private Tensor weights(long... dims) {
    Shape s = Shape.of(dims);
    float[] v = new float[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextGaussian() * 0.1f;
    }
    return Tensor.ofFloats(s, v);
  }

  private Tensor positive(long c) {
    float[] v = new float[(int) c];
    for (int i = 0; i < v.length; i++) {
      v[i] = 0.5f + random.nextFloat();
    }
    return Tensor.ofFloats(Shape.of(c), v);
  }
}

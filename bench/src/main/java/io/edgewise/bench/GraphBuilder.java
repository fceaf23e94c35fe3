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
 * Builds float32 ONNX graphs with random weights (seeded, so every run writes the same model) for the bench's
 * generated models: one graph at a time, values named after their op and a running number.
 */
final class GraphBuilder {
  private final Random random = new Random(1);
  private int id;
  private Graph g;

  /** The one argument of a generator's main, OUT_DIR (exits with a usage line otherwise). */
  static Path outputDirectory(String[] args, String program) {
    if (args.length != 1) {
      System.err.println("usage: " + program + " OUT_DIR");
      System.exit(2);
    }
    return Path.of(args[0]);
  }

  /** Starts a graph with one float input named "input" of the given dimensions. */
  Graph start(long... input) {
    g = new Graph("generated");
    g.inputs().add(new ValueInfo("input", DType.FLOAT32, dims(input), null));
    return g;
  }

  /** Names `value` the graph's output (of the given dimensions) and writes DIR/NAME/model.onnx at opset 13. */
  void save(Path dir, String name, String value, long... outDims) throws IOException {
    for (Node n : g.nodes()) {  // the producer writes "y" itself (an Identity would cost a copy on some devices)
      n.outputs().replaceAll(o -> o.equals(value) ? "y" : o);
      n.inputs().replaceAll(i -> i.equals(value) ? "y" : i);
    }
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, dims(outDims), null));
    Files.createDirectories(dir.resolve(name));
    OnnxExporter.save(new Model(g, Map.of("", 13L), 8, "edgewise-bench", null, null),
        dir.resolve(name).resolve("model.onnx"));
    System.out.println("wrote " + dir.resolve(name).resolve("model.onnx"));
  }

  /** A square convolution of stride 1 padded to keep the size. */
  String conv(String in, long cin, long cout, int k, long group, boolean bias) {
    return conv(in, cin, cout, k, k, 1, group, bias);
  }

  /** A kh x kw convolution padded by half the kernel on each side. */
  String conv(String in, long cin, long cout, int kh, int kw, int stride, long group, boolean bias) {
    return conv(in, cin, cout, kh, kw, stride, kh / 2, kw / 2, group, bias);
  }

  String conv(String in, long cin, long cout, int kh, int kw, int stride, int padH, int padW, long group,
      boolean bias) {
    String out = "conv" + id++;
    g.initializers().put(out + ".w", heWeights(cout, cin / group, kh, kw));
    if (bias) {
      g.initializers().put(out + ".b", weights(cout));
    }
    Node n = new Node(out, "Conv", bias ? List.of(in, out + ".w", out + ".b") : List.of(in, out + ".w"),
        List.of(out));
    n.setAttr(Attribute.ofInts("kernel_shape", kh, kw));
    n.setAttr(Attribute.ofInts("pads", padH, padW, padH, padW));
    n.setAttr(Attribute.ofInts("strides", stride, stride));
    n.setAttr(Attribute.ofInt("group", group));
    g.nodes().add(n);
    return out;
  }

  /** conv then ReLU, the shape of a convolution with batch norm folded into it (padded by half the kernel). */
  String convRelu(String in, long cin, long cout, int kh, int kw, int stride) {
    return node("Relu", List.of(conv(in, cin, cout, kh, kw, stride, 1, true)));
  }

  String convRelu(String in, long cin, long cout, int kh, int kw, int stride, int padH, int padW) {
    return node("Relu", List.of(conv(in, cin, cout, kh, kw, stride, padH, padW, 1, true)));
  }

  String pool(String op, String in, int k, int stride, int pad, Attribute... more) {
    List<Attribute> attrs = new ArrayList<>(List.of(Attribute.ofInts("kernel_shape", k, k),
        Attribute.ofInts("strides", stride, stride), Attribute.ofInts("pads", pad, pad, pad, pad)));
    attrs.addAll(List.of(more));
    return node(op, List.of(in), attrs.toArray(new Attribute[0]));
  }

  /** A fully connected layer of a [1, in] value (Gemm with transposed weights, as exporters write it). */
  String linear(String in, long cin, long cout) {
    String out = "fc" + id++;
    g.initializers().put(out + ".w", heWeights(cout, cin));
    g.initializers().put(out + ".b", weights(cout));
    return node("Gemm", List.of(in, out + ".w", out + ".b"), Attribute.ofInt("transB", 1));
  }

  String bnRelu(String in, long c) {
    String n = "bn" + id++;
    g.initializers().put(n + ".scale", positive(c));
    g.initializers().put(n + ".bias", weights(c));
    g.initializers().put(n + ".mean", weights(c));
    g.initializers().put(n + ".var", positive(c));
    g.nodes().add(new Node(n, "BatchNormalization", List.of(in, n + ".scale", n + ".bias", n + ".mean", n + ".var"),
        List.of(n)));
    return node("Relu", List.of(n));
  }

  String silu(String in) {
    return node("Mul", List.of(in, node("Sigmoid", List.of(in))));
  }

  /** A float32 scalar initializer. */
  String floats(float value) {
    String name = "const" + id++;
    g.initializers().put(name, Tensor.ofFloats(Shape.of(), value));
    return name;
  }

  /** An int64 initializer (shapes, split sizes). */
  String longs(long... values) {
    String name = "const" + id++;
    g.initializers().put(name, Tensor.ofLongs(DType.INT64, Shape.of(values.length), values));
    return name;
  }

  String node(String op, List<String> inputs, Attribute... attrs) {
    return nodeOutputs(op, inputs, 1, attrs).get(0);
  }

  List<String> nodeOutputs(String op, List<String> inputs, int outputs, Attribute... attrs) {
    String name = op.toLowerCase() + id++;
    List<String> outs = new ArrayList<>();
    for (int i = 0; i < outputs; i++) {
      outs.add(outputs == 1 ? name : name + "_" + i);
    }
    Node n = new Node(name, op, inputs, outs);
    for (Attribute a : attrs) {
      n.setAttr(a);
    }
    g.nodes().add(n);
    return outs;
  }

  private static List<Dim> dims(long... d) {
    List<Dim> l = new ArrayList<>();
    for (long x : d) {
      l.add(Dim.of(x));
    }
    return l;
  }

  private Tensor weights(long... dims) {
    return gaussian(0.1, dims);
  }

  /** He initialisation (std sqrt(2 / fan-in)): activations keep their scale through deep ReLU networks, far from
   * overflow and from denormals, which would time a different path. */
  private Tensor heWeights(long... dims) {
    long fanIn = Shape.of(dims).numElements() / dims[0];
    return gaussian(Math.sqrt(2.0 / fanIn), dims);
  }

  private Tensor gaussian(double std, long... dims) {
    Shape s = Shape.of(dims);
    float[] v = new float[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (random.nextGaussian() * std);
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

package io.edgewise.model;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.edgewise.EdgewiseException;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The built-in demo model, so that `edgewise demo` needs nothing from outside the project: a small CNN classifier
 * for 1x3x32x32 images (Conv-Relu-MaxPool-Conv-Relu-GlobalAveragePool-Flatten-Gemm-Softmax, 10 classes) with
 * deterministic pseudo-random weights (He-scaled, fixed seed). Its predictions mean nothing; its numerics are
 * what the demo compares across devices.
 */
public final class DemoModel {
  public static final String INPUT = "image";
  public static final String OUTPUT = "probabilities";
  public static final Shape INPUT_SHAPE = Shape.of(1, 3, 32, 32);
  private static final long SEED = 20261124L;

  private DemoModel() {}

  /** Writes the model to dir/model.onnx and returns the path. */
  public static Path write(Path dir) {
    Path file = dir.resolve("model.onnx");
    try {
      Files.createDirectories(dir);
      Files.write(file, build().toByteArray());
      return file;
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.IO, "cannot write the demo model to " + file, e);
    }
  }

  /** A deterministic input image in [-1, 1). */
  public static Tensor sampleInput(long seed) {
    Random rnd = new Random(seed);
    float[] v = new float[(int) INPUT_SHAPE.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = rnd.nextFloat() * 2 - 1;
    }
    return Tensor.ofFloats(INPUT_SHAPE, v);
  }

  static ModelProto build() {
    Random rnd = new Random(SEED);
    GraphProto.Builder g = GraphProto.newBuilder().setName("edgewise_demo_cnn");
    g.addInitializer(weights(rnd, "conv1.w", 16, 3, 3, 3));
    g.addInitializer(weights(rnd, "conv1.b", 16));
    g.addInitializer(weights(rnd, "conv2.w", 32, 16, 3, 3));
    g.addInitializer(weights(rnd, "conv2.b", 32));
    g.addInitializer(weights(rnd, "fc.w", 10, 32));
    g.addInitializer(weights(rnd, "fc.b", 10));
    g.addNode(node("Conv", List.of(INPUT, "conv1.w", "conv1.b"), "c1", ints("pads", 1, 1, 1, 1)));
    g.addNode(node("Relu", List.of("c1"), "r1"));
    g.addNode(node("MaxPool", List.of("r1"), "p1", ints("kernel_shape", 2, 2), ints("strides", 2, 2)));
    g.addNode(node("Conv", List.of("p1", "conv2.w", "conv2.b"), "c2", ints("pads", 1, 1, 1, 1)));
    g.addNode(node("Relu", List.of("c2"), "r2"));
    g.addNode(node("GlobalAveragePool", List.of("r2"), "gap"));
    g.addNode(node("Flatten", List.of("gap"), "flat"));
    g.addNode(node("Gemm", List.of("flat", "fc.w", "fc.b"), "logits",
        AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1).build()));
    g.addNode(node("Softmax", List.of("logits"), OUTPUT));
    g.addInput(valueInfo(INPUT, INPUT_SHAPE.dims()));
    g.addOutput(valueInfo(OUTPUT, new long[] {1, 10}));
    return ModelProto.newBuilder().setIrVersion(8).setProducerName("edgewise")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g).build();
  }

  private static TensorProto weights(Random rnd, String name, long... dims) {
    Shape s = Shape.of(dims);
    float[] v = new float[(int) s.numElements()];
    double fanIn = dims.length > 1 ? s.numElements() / dims[0] : 1;
    double std = Math.sqrt(2 / fanIn);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rnd.nextGaussian() * (dims.length > 1 ? std : 0.05));
    }
    try (Tensor t = Tensor.ofFloats(s, v)) {
      return TensorProtos.toProto(t, name);
    }
  }

  private static NodeProto node(String op, List<String> inputs, String output, AttributeProto... attrs) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(inputs).addOutput(output);
    for (AttributeProto a : attrs) {
      n.addAttribute(a);
    }
    return n.build();
  }

  private static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  private static ValueInfoProto valueInfo(String name, long[] dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
  }
}

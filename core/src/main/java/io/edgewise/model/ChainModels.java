package io.edgewise.model;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Long chains of cheap nodes, to measure that loading a model (import, graph passes, planning) grows linearly with
 * its node count: y = Identity(Identity(...(x))) or y = (((x + c) + c) ...) + c, n nodes, x and y float32 [4] and c
 * the initializer [0.25, 0.25, 0.25, 0.25] (every partial sum is exact in float32 up to 2^24 / 4 nodes).
 */
public final class ChainModels {
  public static final String INPUT = "x";
  public static final String OUTPUT = "y";
  public static final String CONSTANT = "c";
  public static final float STEP = 0.25f;
  public static final Shape SHAPE = Shape.of(4);

  /** The op of each node of a chain. */
  public enum Op {
    IDENTITY("Identity"), ADD("Add");

    private final String onnxName;

    Op(String onnxName) {
      this.onnxName = onnxName;
    }

    public String onnxName() {
      return onnxName;
    }
  }

  private ChainModels() {}

  /** The chain of n nodes as an ONNX model (IR 8, opset 13), for the importer. */
  public static ModelProto proto(Op op, int n) {
    GraphProto.Builder g = GraphProto.newBuilder().setName(op.onnxName().toLowerCase() + "_chain_" + n);
    g.addInput(valueInfo(INPUT));
    g.addOutput(valueInfo(OUTPUT));
    if (op == Op.ADD) {
      try (Tensor c = constant()) {
        g.addInitializer(TensorProtos.toProto(c, CONSTANT));
      }
    }
    for (int i = 1; i <= n; i++) {
      NodeProto.Builder node = NodeProto.newBuilder().setOpType(op.onnxName()).setName("n" + i)
          .addInput(value(i - 1, n)).addOutput(value(i, n));
      if (op == Op.ADD) {
        node.addInput(CONSTANT);
      }
      g.addNode(node);
    }
    return ModelProto.newBuilder().setIrVersion(8).setProducerName("edgewise")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g).build();
  }

  /** The same chain built as a graph in memory, without the importer. */
  public static Model model(Op op, int n) {
    Graph g = new Graph(op.onnxName().toLowerCase() + "_chain_" + n);
    g.inputs().add(ValueInfo.tensor(INPUT, DType.FLOAT32, SHAPE));
    g.outputs().add(ValueInfo.tensor(OUTPUT, DType.FLOAT32, SHAPE));
    if (op == Op.ADD) {
      g.initializers().put(CONSTANT, constant());
    }
    for (int i = 1; i <= n; i++) {
      List<String> inputs = op == Op.ADD ? List.of(value(i - 1, n), CONSTANT) : List.of(value(i - 1, n));
      g.nodes().add(new Node("n" + i, op.onnxName(), inputs, List.of(value(i, n))));
    }
    return new Model(g, Map.of("", 13L), 8, "edgewise", null, null);
  }

  /** What the chain of n nodes computes from x. */
  public static float[] expected(Op op, int n, float[] x) {
    float[] y = Arrays.copyOf(x, x.length);
    if (op == Op.ADD) {
      for (int i = 0; i < y.length; i++) {
        y[i] += n * STEP;  // exact: each partial sum is a multiple of 0.25 below 2^22
      }
    }
    return y;
  }

  /** Value i of a chain of n: x, v1, ..., v(n-1), y. */
  private static String value(int i, int n) {
    return i == 0 ? INPUT : i == n ? OUTPUT : "v" + i;
  }

  private static Tensor constant() {
    float[] c = new float[(int) SHAPE.numElements()];
    Arrays.fill(c, STEP);
    return Tensor.ofFloats(SHAPE, c);
  }

  private static ValueInfoProto valueInfo(String name) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : SHAPE.dims()) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
  }
}

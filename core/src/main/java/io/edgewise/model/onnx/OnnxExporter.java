package io.edgewise.model.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import io.edgewise.EdgewiseException;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.tensor.TensorProtos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes an IR model back to ONNX: graph inputs, outputs and value_info, initializers (raw_data), nodes with every
 * attribute kind, and the opset imports (plus the io.edgewise domain when fused ops are present).
 */
public final class OnnxExporter {
  /** IR version written for models built in memory: ONNX 1.10's, which every ONNX Runtime since 1.10 loads. */
  static final long IR_VERSION = 8;

  private OnnxExporter() {}

  /** The oldest IR version that may carry a default-domain opset (ONNX's versioning table), at least 8. */
  static long irVersionFor(int opset) {
    return opset <= 18 ? IR_VERSION : opset <= 20 ? 9 : opset <= 22 ? 10 : 11;
  }

  public static byte[] toBytes(Model model) {
    return toProto(model).toByteArray();
  }

  public static void save(Model model, Path file) {
    try {
      Files.write(file, toBytes(model));
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.IO, "cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  public static ModelProto toProto(Model model) {
    ModelProto.Builder m = ModelProto.newBuilder()
        .setIrVersion(model.irVersion() > 0 ? model.irVersion() : irVersionFor(model.opset()))
        .setProducerName(model.producerName().isEmpty() ? "edgewise" : model.producerName())
        .setGraph(graph(model.graph()));
    for (Map.Entry<String, Long> e : model.opsetImports().entrySet()) {
      m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(e.getKey()).setVersion(e.getValue()));
    }
    boolean usesEdgewiseOps = model.graph().nodes().stream().anyMatch(n -> n.domain().equals("io.edgewise"));
    if (usesEdgewiseOps && !model.opsetImports().containsKey("io.edgewise")) {
      m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("io.edgewise").setVersion(1));
    }
    return m.build();
  }

  static GraphProto graph(Graph g) {
    GraphProto.Builder b = GraphProto.newBuilder().setName(g.name());
    g.initializers().forEach((name, t) -> b.addInitializer(TensorProtos.toProto(t, name)));
    g.inputs().forEach(v -> b.addInput(valueInfo(v)));
    g.outputs().forEach(v -> b.addOutput(valueInfo(v)));
    // value_info describes intermediate values only: inputs, outputs and initializers carry their own types
    java.util.Set<String> declared = new java.util.HashSet<>(g.initializers().keySet());
    declared.addAll(g.inputNames());
    declared.addAll(g.outputNames());
    g.valueInfo().values().stream().filter(v -> !declared.contains(v.name()))
        .forEach(v -> b.addValueInfo(valueInfo(v)));
    for (Node n : g.nodes()) {
      b.addNode(node(n));
    }
    return b.build();
  }

  private static NodeProto node(Node n) {
    NodeProto.Builder b = NodeProto.newBuilder().setName(n.name()).setOpType(n.opType()).setDomain(n.domain())
        .addAllInput(n.inputs()).addAllOutput(n.outputs());
    for (Attribute a : n.attributes().values()) {
      b.addAttribute(attribute(a));
    }
    return b.build();
  }

  private static AttributeProto attribute(Attribute a) {
    AttributeProto.Builder b = AttributeProto.newBuilder().setName(a.name());
    switch (a.kind()) {
      case INT -> b.setType(AttributeProto.AttributeType.INT).setI(a.asInt());
      case FLOAT -> b.setType(AttributeProto.AttributeType.FLOAT).setF(a.asFloat());
      case STRING -> b.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(a.asString()));
      case INTS -> {
        b.setType(AttributeProto.AttributeType.INTS);
        for (long v : a.asInts()) {
          b.addInts(v);
        }
      }
      case FLOATS -> {
        b.setType(AttributeProto.AttributeType.FLOATS);
        for (float v : a.asFloats()) {
          b.addFloats(v);
        }
      }
      case STRINGS -> {
        b.setType(AttributeProto.AttributeType.STRINGS);
        a.asStrings().forEach(s -> b.addStrings(ByteString.copyFromUtf8(s)));
      }
      case TENSOR -> b.setType(AttributeProto.AttributeType.TENSOR).setT(TensorProtos.toProto(a.asTensor(), ""));
      case GRAPH -> b.setType(AttributeProto.AttributeType.GRAPH).setG(graph(a.asGraph()));
      default -> throw EdgewiseException.notImplemented("attribute '" + a.name() + "' of kind " + a.kind()
          + " cannot be exported");
    }
    return b.build();
  }

  private static ValueInfoProto valueInfo(ValueInfo v) {
    ValueInfoProto.Builder b = ValueInfoProto.newBuilder().setName(v.name());
    if (!v.isSupported()) {
      return b.build();  // types the runtime does not model are written without a type, which ONNX allows
    }
    TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(v.dtype().onnxCode());
    if (v.hasRank()) {
      TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
      for (ValueInfo.Dim d : v.dims()) {
        TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
        if (d.isKnown()) {
          dim.setDimValue(d.value());
        } else if (d.param() != null) {
          dim.setDimParam(d.param());
        }
        shape.addDim(dim);
      }
      t.setShape(shape);
    }
    return b.setType(TypeProto.newBuilder().setTensorType(t)).build();
  }
}

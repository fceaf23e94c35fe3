package io.edgewise.model.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.CodedInputStream;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads ONNX ModelProto files into the IR. Parsing is bounded (file size, protobuf nesting depth, declared lengths
 * checked against the bytes actually present), and every error names the file and, where it applies, the node,
 * the field and the byte offset at which parsing stopped.
 */
public final class OnnxImporter {
  /** Oldest and newest default-domain opset whose semantics the runtime implements. */
  public static final int MIN_OPSET = 7;
  public static final int MAX_OPSET = 25;
  /**
   * The IR versions read: ONNX numbers them from 1 (IR_VERSION_2017_10_10); 13 is the newest the shared models and
   * node tests use. Outside this range (0 means the field is missing) a model is refused.
   */
  public static final long MIN_IR_VERSION = 1;
  public static final long MAX_IR_VERSION = 13;
  /**
   * Outputs a node may list when its op is not one of ONNX's known ones below (another domain, or a variadic op:
   * Split, If, Loop, Scan, SequenceMap).
   */
  public static final int MAX_NODE_OUTPUTS = 1024;
  /**
   * Default-domain ops with more than one output, and the most ONNX's schemas allow them (every opset); every other
   * default-domain op has one. Variadic ones (Split, If, Loop, Scan, SequenceMap) take {@link #MAX_NODE_OUTPUTS}.
   */
  private static final Map<String, Integer> MULTI_OUTPUT_OPS = Map.ofEntries(Map.entry("BatchNormalization", 5),
      Map.entry("Dropout", 2), Map.entry("MaxPool", 2), Map.entry("TopK", 2), Map.entry("LSTM", 3),
      Map.entry("GRU", 2), Map.entry("RNN", 2), Map.entry("Unique", 4), Map.entry("LayerNormalization", 3),
      Map.entry("DynamicQuantizeLinear", 3), Map.entry("SoftmaxCrossEntropyLoss", 2), Map.entry("StringSplit", 2),
      Map.entry("Attention", 4), Map.entry("Split", MAX_NODE_OUTPUTS), Map.entry("If", MAX_NODE_OUTPUTS),
      Map.entry("Loop", MAX_NODE_OUTPUTS), Map.entry("Scan", MAX_NODE_OUTPUTS),
      Map.entry("SequenceMap", MAX_NODE_OUTPUTS));
  /** Model files above this size are refused before reading (2 GiB is protobuf's own hard limit). */
  public static final long MAX_MODEL_BYTES = Integer.MAX_VALUE - 8;
  private static final int MAX_NESTING = 64;

  private OnnxImporter() {}

  public static Model load(Path file) {
    byte[] bytes = readModelFile(file);
    return load(bytes, file);
  }

  /** Imports serialized model bytes; source (may be null) is used for messages and external data. */
  public static Model load(byte[] bytes, Path source) {
    String label = source == null ? "<memory>" : source.toString();
    ModelProto proto = parse(bytes, label);
    checkIrVersion(proto, label);
    proto = FunctionInliner.inline(proto, label);
    Path baseDir = source == null ? null : source.toAbsolutePath().getParent();
    Map<String, Long> opsets = opsetImports(proto, label);
    Graph graph = null;
    try {
      graph = convertGraph(proto.getGraph(), baseDir, label, 0);
      graph.sortTopologically();
      return new Model(graph, opsets, proto.getIrVersion(), proto.getProducerName(), source, sha256(bytes));
    } catch (RuntimeException e) {
      if (graph != null) {
        graph.close();
      }
      if (e instanceof EdgewiseException ee) {
        if (ee.getMessage().contains(label)) {
          throw ee;
        }
        throw new EdgewiseException(ee.code(), label + ": " + e.getMessage().replaceFirst("^\\[\\w+\\] ", ""), e);
      }
      throw new EdgewiseException(ErrorCode.INVALID_MODEL, label + ": " + e, e);
    }
  }

  private static byte[] readModelFile(Path file) {
    try {
      if (Files.isDirectory(file)) {
        throw new EdgewiseException(ErrorCode.INVALID_ARGUMENT, file + " is a directory, not an .onnx file");
      }
      long size = Files.size(file);
      if (size > MAX_MODEL_BYTES) {
        throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, file + ": " + size + " bytes is larger than "
            + "protobuf's 2 GiB limit");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, file + ": no such file", e);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, file + ": cannot read: " + e.getMessage(), e);
    }
  }

  static ModelProto parse(byte[] bytes, String label) {
    if (bytes.length == 0) {
      throw EdgewiseException.invalidModel(label + ": empty file, not an ONNX model");
    }
    // Parsing from an array means a declared length can never exceed the bytes present: a protobuf bomb
    // (a huge length field) fails as truncated instead of allocating.
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    in.setRecursionLimit(MAX_NESTING);
    try {
      ModelProto proto = ModelProto.parseFrom(in);
      in.checkLastTagWas(0);
      if (!proto.hasGraph()) {
        throw EdgewiseException.invalidModel(label + ": field graph is missing: not an ONNX model");
      }
      return proto;
    } catch (IOException | RuntimeException e) {
      if (e instanceof EdgewiseException ee) {
        throw ee;
      }
      throw new EdgewiseException(ErrorCode.INVALID_MODEL, label + ": not a valid ONNX model: parsing stopped near "
          + "byte offset " + in.getTotalBytesRead() + " of " + bytes.length + ": " + e.getMessage(), e);
    }
  }

  private static void checkIrVersion(ModelProto proto, String label) {
    long ir = proto.getIrVersion();
    if (ir < MIN_IR_VERSION || ir > MAX_IR_VERSION) {
      throw EdgewiseException.invalidModel(label + ": field ir_version " + ir + (ir == 0 ? " (missing)" : "")
          + " is outside " + MIN_IR_VERSION + ".." + MAX_IR_VERSION + ", the IR versions this runtime reads");
    }
  }

  /** The most outputs a node of this op may list: its ONNX schema's maximum, or {@link #MAX_NODE_OUTPUTS}. */
  static int maxOutputs(String domain, String opType) {
    if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
      return MAX_NODE_OUTPUTS;
    }
    return MULTI_OUTPUT_OPS.getOrDefault(opType, 1);
  }

  private static Map<String, Long> opsetImports(ModelProto proto, String label) {
    Map<String, Long> opsets = new LinkedHashMap<>();
    for (OperatorSetIdProto op : proto.getOpsetImportList()) {
      String domain = op.getDomain().equals("ai.onnx") ? "" : op.getDomain();
      opsets.put(domain, op.getVersion());
    }
    if (!opsets.containsKey("")) {
      if (proto.getIrVersion() >= 3 || proto.getOpsetImportCount() > 0) {
        throw EdgewiseException.invalidModel(label + ": field opset_import has no entry for the default domain");
      }
      opsets.put("", 1L);
    }
    long v = opsets.get("");
    if (v < MIN_OPSET || v > MAX_OPSET) {
      throw EdgewiseException.notImplemented(label + ": field opset_import: default-domain opset " + v
          + " is outside the supported range " + MIN_OPSET + ".." + MAX_OPSET);
    }
    return opsets;
  }

  static Graph convertGraph(GraphProto gp, Path baseDir, String label, int depth) {
    if (depth > 8) {
      throw EdgewiseException.invalidModel(label + ": sub-graphs nested deeper than 8");
    }
    Graph g = new Graph(gp.getName());
    try {
      for (TensorProto init : gp.getInitializerList()) {
        if (init.getName().isEmpty()) {
          throw EdgewiseException.invalidModel(label + ": graph '" + gp.getName() + "' has an initializer with an "
              + "empty name");
        }
        Tensor t = TensorProtos.fromProto(init, baseDir, label + ": initializer");
        Tensor previous = g.initializers().put(init.getName(), t);
        if (previous != null) {
          previous.close();
          throw EdgewiseException.invalidModel(label + ": initializer '" + init.getName() + "' is defined twice");
        }
      }
      String field = depth == 0 ? "graph" : "graph '" + gp.getName() + "'";
      Map<String, Integer> inputAt = new HashMap<>();
      for (int i = 0; i < gp.getInputCount(); i++) {
        ValueInfoProto vi = gp.getInput(i);
        Integer first = inputAt.putIfAbsent(vi.getName(), i);
        if (first != null) {
          throw EdgewiseException.invalidModel(label + ": " + field + ".input[" + i + "] '" + vi.getName()
              + "' duplicates " + field + ".input[" + first + "]");
        }
        // IR < 4 lists initializers among the inputs too; those are constants, not things to feed.
        if (!g.initializers().containsKey(vi.getName())) {
          g.inputs().add(valueInfo(vi, label));
        }
      }
      if (gp.getOutputCount() == 0 && depth == 0) {
        throw EdgewiseException.invalidModel(label + ": field graph.output is empty: the model computes nothing");
      }
      for (ValueInfoProto vi : gp.getOutputList()) {
        g.outputs().add(valueInfo(vi, label));
      }
      for (ValueInfoProto vi : gp.getValueInfoList()) {
        g.valueInfo().put(vi.getName(), valueInfo(vi, label));
      }
      for (int i = 0; i < gp.getNodeCount(); i++) {
        g.nodes().add(convertNode(gp.getNode(i), i, baseDir, label, depth));
      }
      return g;
    } catch (RuntimeException e) {
      g.close();
      throw e;
    }
  }

  private static Node convertNode(NodeProto np, int index, Path baseDir, String label, int depth) {
    String where = label + ": node[" + index + "] '" + (np.getName().isEmpty() && np.getOutputCount() > 0
        ? np.getOutput(0) : np.getName()) + "' (" + np.getOpType() + ")";
    if (np.getOpType().isEmpty()) {
      throw EdgewiseException.invalidModel(where + " field op_type is empty");
    }
    int maxOutputs = maxOutputs(np.getDomain(), np.getOpType());
    if (np.getOutputCount() > maxOutputs) {
      throw EdgewiseException.invalidModel(where + " field output lists " + np.getOutputCount() + " outputs; "
          + (maxOutputs == MAX_NODE_OUTPUTS ? "at most " + maxOutputs + " are accepted"
              : np.getOpType() + " has at most " + maxOutputs));
    }
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    try {
      for (AttributeProto ap : np.getAttributeList()) {
        if (attrs.containsKey(ap.getName())) {
          throw EdgewiseException.invalidModel(where + " attribute '" + ap.getName() + "' appears twice");
        }
        attrs.put(ap.getName(), convertAttribute(ap, where, baseDir, label, depth));
      }
    } catch (RuntimeException e) {
      attrs.values().forEach(OnnxImporter::closeAttribute);
      throw e;
    }
    return new Node(np.getName(), np.getOpType(), np.getDomain(), np.getInputList(), np.getOutputList(), attrs);
  }

  private static void closeAttribute(Attribute a) {
    if (a.kind() == Attribute.Kind.TENSOR) {
      a.asTensor().close();
    } else if (a.kind() == Attribute.Kind.GRAPH) {
      a.asGraph().close();
    }
  }

  private static Attribute convertAttribute(AttributeProto ap, String where, Path baseDir, String label,
      int depth) {
    String name = ap.getName();
    String field = where + " attribute '" + name + "'";
    if (!ap.getRefAttrName().isEmpty()) {
      throw EdgewiseException.notImplemented(field + " field ref_attr_name: attribute references are only valid "
          + "inside functions");
    }
    AttributeProto.AttributeType type = ap.getType();
    if (type == AttributeProto.AttributeType.UNDEFINED) {
      type = inferLegacyType(ap);
    }
    return switch (type) {
      case INT -> Attribute.ofInt(name, ap.getI());
      case FLOAT -> Attribute.ofFloat(name, ap.getF());
      case STRING -> Attribute.ofString(name, ap.getS().toStringUtf8());
      case INTS -> Attribute.ofInts(name, ap.getIntsList().stream().mapToLong(Long::longValue).toArray());
      case FLOATS -> {
        float[] f = new float[ap.getFloatsCount()];
        for (int i = 0; i < f.length; i++) {
          f[i] = ap.getFloats(i);
        }
        yield Attribute.ofFloats(name, f);
      }
      case STRINGS -> Attribute.ofStrings(name, ap.getStringsList().stream().map(b -> b.toStringUtf8()).toList());
      case TENSOR -> Attribute.ofTensor(name, TensorProtos.fromProto(ap.getT(), baseDir, field));
      case GRAPH -> new Attribute(name, Attribute.Kind.GRAPH, convertGraph(ap.getG(), baseDir, label, depth + 1));
      default -> throw EdgewiseException.notImplemented(field + " field type: " + type + " attributes are not "
          + "supported");
    };
  }

  /** Very old exporters left AttributeProto.type unset; ONNX's checker infers it from the field present. */
  private static AttributeProto.AttributeType inferLegacyType(AttributeProto ap) {
    if (ap.hasT()) {
      return AttributeProto.AttributeType.TENSOR;
    } else if (ap.hasG()) {
      return AttributeProto.AttributeType.GRAPH;
    } else if (ap.getIntsCount() > 0) {
      return AttributeProto.AttributeType.INTS;
    } else if (ap.getFloatsCount() > 0) {
      return AttributeProto.AttributeType.FLOATS;
    } else if (ap.getStringsCount() > 0) {
      return AttributeProto.AttributeType.STRINGS;
    } else if (ap.hasS()) {
      return AttributeProto.AttributeType.STRING;
    } else if (ap.hasF()) {
      return AttributeProto.AttributeType.FLOAT;
    } else if (ap.hasI()) {
      return AttributeProto.AttributeType.INT;
    }
    return AttributeProto.AttributeType.UNDEFINED;
  }

  static ValueInfo valueInfo(ValueInfoProto vi, String label) {
    TypeProto type = vi.getType();
    String name = vi.getName();
    return switch (type.getValueCase()) {
      case TENSOR_TYPE -> {
        TypeProto.Tensor tt = type.getTensorType();
        DType dtype = DType.fromOnnx(tt.getElemType());
        if (dtype == null) {
          yield ValueInfo.unsupported(name, "tensor(" + DType.unsupportedName(tt.getElemType()) + ")");
        }
        if (!tt.hasShape()) {
          yield ValueInfo.tensor(name, dtype);
        }
        List<ValueInfo.Dim> dims = new ArrayList<>();
        for (TensorShapeProto.Dimension d : tt.getShape().getDimList()) {
          if (d.hasDimValue() && d.getDimValue() >= 0) {
            dims.add(ValueInfo.Dim.of(d.getDimValue()));
          } else if (d.hasDimParam() && !d.getDimParam().isEmpty()) {
            dims.add(ValueInfo.Dim.symbol(d.getDimParam()));
          } else {
            dims.add(ValueInfo.Dim.unknown());
          }
        }
        yield new ValueInfo(name, dtype, dims, null);
      }
      case SEQUENCE_TYPE -> ValueInfo.unsupported(name, "sequence");
      case MAP_TYPE -> ValueInfo.unsupported(name, "map");
      case OPTIONAL_TYPE -> ValueInfo.unsupported(name, "optional");
      case SPARSE_TENSOR_TYPE -> ValueInfo.unsupported(name, "sparse_tensor");
      default -> ValueInfo.unsupported(name, "unknown type (field type not set or newer than this runtime)");
    };
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}

package io.edgewise.fuzz;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.List;
import java.util.Random;

/**
 * Edits that keep a model parseable, so the mutant gets past the protobuf layer into the importer's checks, shape
 * inference, the graph passes and the kernels: odd attribute values (negative, zero, huge, wrong kind), rewired or
 * dropped inputs, swapped op types, reshaped or retyped initializers, other opsets, other declared input shapes.
 */
final class StructuredMutator {
  /**
   * Values for int attributes. Mid-sized ones (2^18..2^23) are left out on purpose: pads of 2^20 make a valid model
   * whose Conv output is ~700 MB, which the reference backend computes correctly but slowly (a compute bomb, not a
   * bug); Integer.MAX_VALUE and beyond must be refused, and are kept.
   */
  private static final long[] ODD_INTS = {-1, 0, 1, 2, 3, 7, -7, 4096, Integer.MAX_VALUE, Long.MAX_VALUE,
      Long.MIN_VALUE, -2};
  private static final float[] ODD_FLOATS = {Float.NaN, Float.POSITIVE_INFINITY, -1, 0, 1e30f, -1e-30f, 0.5f};
  private static final List<String> ATTRIBUTES = List.of("axis", "axes", "pads", "strides", "kernel_shape",
      "dilations", "group", "perm", "auto_pad", "ceil_mode", "transA", "transB", "alpha", "beta", "mode",
      "keepdims", "to", "storage_order", "output_padding", "output_shape", "allowzero", "epsilon", "value");
  private static final List<String> OPS = List.of("Relu", "Conv", "MaxPool", "AveragePool", "Gemm", "MatMul",
      "Reshape", "Transpose", "Concat", "Softmax", "Flatten", "Squeeze", "Unsqueeze", "Pad", "Resize", "Gather",
      "Slice", "Add", "BatchNormalization", "ConvTranspose", "QLinearConv", "DequantizeLinear", "Clip", "Identity",
      "Dropout", "GlobalAveragePool", "Shape", "ConstantOfShape", "Expand", "Tile", "Split", "ReduceMean", "Cast",
      "Constant", "Where", "MatMulInteger", "ConvInteger", "QuantizeLinear", "Upsample");
  private static final List<String> AUTO_PADS = List.of("SAME_UPPER", "SAME_LOWER", "VALID", "NOTSET", "bogus");

  private StructuredMutator() {}

  static byte[] mutate(byte[] original, Random rnd, String[] how) {
    ModelProto m;
    try {
      m = ModelProto.parseFrom(original);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("seed models parse", e);
    }
    GraphProto.Builder g = m.getGraph().toBuilder();
    ModelProto.Builder mb = m.toBuilder();
    int kind = rnd.nextInt(9);
    if (g.getNodeCount() == 0) {
      kind = 5;
    }
    switch (kind) {
      case 0, 1 -> {
        int i = rnd.nextInt(g.getNodeCount());
        NodeProto.Builder n = g.getNodeBuilder(i);
        if (n.getAttributeCount() > 0 && rnd.nextBoolean()) {
          int a = rnd.nextInt(n.getAttributeCount());
          n.setAttribute(a, oddValue(n.getAttribute(a).toBuilder(), rnd));
          how[0] = "attribute of node " + i + " changed to " + brief(n.getAttribute(a));
        } else {
          String name = ATTRIBUTES.get(rnd.nextInt(ATTRIBUTES.size()));
          n.addAttribute(oddValue(AttributeProto.newBuilder().setName(name)
              .setType(AttributeProto.AttributeType.forNumber(1 + rnd.nextInt(8))), rnd));
          how[0] = "attribute set on node " + i + ": " + brief(n.getAttribute(n.getAttributeCount() - 1));
        }
      }
      case 2 -> {
        int i = rnd.nextInt(g.getNodeCount());
        NodeProto.Builder n = g.getNodeBuilder(i);
        if (n.getInputCount() == 0) {
          n.addInput("");
        }
        int k = rnd.nextInt(n.getInputCount());
        switch (rnd.nextInt(3)) {
          case 0 -> n.setInput(k, "");
          case 1 -> n.setInput(k, n.getInput(rnd.nextInt(n.getInputCount())));
          default -> n.addInput(n.getInput(k));
        }
        how[0] = "inputs of node " + i + " rewired to " + n.getInputList();
      }
      case 3 -> {
        int i = rnd.nextInt(g.getNodeCount());
        String op = OPS.get(rnd.nextInt(OPS.size()));
        how[0] = "node " + i + " became " + op;
        g.getNodeBuilder(i).setOpType(op);
      }
      case 4 -> {
        if (g.getInitializerCount() == 0) {
          how[0] = "no change (no initializer)";
          break;
        }
        int i = rnd.nextInt(g.getInitializerCount());
        TensorProto.Builder t = g.getInitializerBuilder(i);
        if (rnd.nextBoolean() && t.getDimsCount() > 0) {
          // same bytes, other shape: a permutation or a reshaped view of the same element count
          List<Long> dims = new java.util.ArrayList<>(t.getDimsList());
          java.util.Collections.shuffle(dims, rnd);
          if (rnd.nextBoolean()) {
            long total = dims.stream().reduce(1L, (x, y) -> x * y);
            dims = List.of(total);
          }
          t.clearDims().addAllDims(dims);
          how[0] = "initializer " + t.getName() + " reshaped to " + dims;
        } else {
          int[] types = {1, 2, 3, 6, 7, 9, 10, 11};
          int type = types[rnd.nextInt(types.length)];
          t.setDataType(type);
          how[0] = "initializer " + t.getName() + " retyped to " + type;
        }
      }
      case 5 -> {
        if (g.getInputCount() == 0) {
          how[0] = "no change (no input)";
          break;
        }
        int i = rnd.nextInt(g.getInputCount());
        ValueInfoProto.Builder v = g.getInputBuilder(i);
        TensorShapeProto.Builder shape = v.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
        if (shape.getDimCount() > 0) {
          int d = rnd.nextInt(shape.getDimCount());
          if (rnd.nextBoolean()) {
            shape.getDimBuilder(d).setDimParam("N");
          } else {
            shape.getDimBuilder(d).setDimValue(ODD_INTS[rnd.nextInt(ODD_INTS.length)]);
          }
        }
        how[0] = "declared shape of input " + i + " now " + shape.getDimList().stream()
            .map(x -> x.hasDimParam() ? x.getDimParam() : Long.toString(x.getDimValue())).toList();
      }
      case 8 -> how[0] = growChain(g, rnd);
      case 6 -> {
        long v = 7 + rnd.nextInt(19);
        mb.setOpsetImport(0, mb.getOpsetImport(0).toBuilder().setVersion(v));
        how[0] = "opset " + v;
      }
      default -> {
        int i = rnd.nextInt(g.getNodeCount());
        NodeProto.Builder n = g.getNodeBuilder(i);
        if (n.getOutputCount() > 0) {
          n.setOutput(0, rnd.nextBoolean() ? "" : n.getOutput(0) + "_renamed");
        }
        how[0] = "output of node " + i + " renamed to '" + (n.getOutputCount() > 0 ? n.getOutput(0) : "") + "'";
      }
    }
    return mb.setGraph(g).build().toByteArray();
  }

  /**
   * Splices a chain of Identity or Add (+ 1) nodes, up to a few thousand long, after a node's output or a graph input:
   * the value's readers read the chain's end instead. The chain is appended after every other node, in order or
   * reversed, so the importer has to sort it (loading must stay linear in the chain: issue 19).
   */
  private static String growChain(GraphProto.Builder g, Random rnd) {
    int at = rnd.nextInt(g.getNodeCount() + 1);
    String from = at == g.getNodeCount() ? (g.getInputCount() > 0 ? g.getInput(0).getName() : "")
        : g.getNode(at).getOutputCount() > 0 ? g.getNode(at).getOutput(0) : "";
    if (from.isEmpty()) {
      return "no change (no value to grow a chain from)";
    }
    int length = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 3000 : 100);
    boolean add = rnd.nextBoolean();
    boolean reversed = rnd.nextBoolean();
    String one = "fuzz_chain_one";
    if (add && g.getInitializerList().stream().noneMatch(t -> t.getName().equals(one))) {
      g.addInitializer(TensorProto.newBuilder().setName(one).setDataType(TensorProto.DataType.FLOAT_VALUE)
          .addFloatData(1f));
    }
    String end = from + "_chain" + length;
    for (int i = 0; i < g.getNodeCount(); i++) {
      NodeProto.Builder n = g.getNodeBuilder(i);
      for (int k = 0; k < n.getInputCount(); k++) {
        if (n.getInput(k).equals(from)) {
          n.setInput(k, end);
        }
      }
    }
    List<NodeProto> chain = new java.util.ArrayList<>();
    String previous = from;
    for (int i = 1; i <= length; i++) {
      String next = i == length ? end : from + "_chain_" + i;
      NodeProto.Builder n = NodeProto.newBuilder().setOpType(add ? "Add" : "Identity").setName("chain_" + i)
          .addInput(previous).addOutput(next);
      if (add) {
        n.addInput(one);
      }
      chain.add(n.build());
      previous = next;
    }
    if (reversed) {
      java.util.Collections.reverse(chain);
    }
    g.addAllNode(chain);
    return "chain of " + length + (add ? " Adds" : " Identities") + (reversed ? " (reversed)" : "") + " after '"
        + from + "'";
  }

  /** "pads INTS [0, 1048576, 0, 0]" for failure reports. */
  private static String brief(AttributeProto a) {
    String value = switch (a.getType()) {
      case INT -> Long.toString(a.getI());
      case FLOAT -> Float.toString(a.getF());
      case STRING -> a.getS().toStringUtf8();
      case INTS -> a.getIntsList().toString();
      case FLOATS -> a.getFloatsList().toString();
      default -> "";
    };
    return a.getName() + " " + a.getType() + " " + value;
  }

  private static AttributeProto oddValue(AttributeProto.Builder a, Random rnd) {
    AttributeProto.AttributeType type = a.getType();
    if (rnd.nextInt(6) == 0) {
      // the right name with the wrong kind
      type = AttributeProto.AttributeType.forNumber(1 + rnd.nextInt(8));
      a.clear().setName(a.getName()).setType(type);
    }
    long i = ODD_INTS[rnd.nextInt(ODD_INTS.length)];
    float f = ODD_FLOATS[rnd.nextInt(ODD_FLOATS.length)];
    switch (type == null ? AttributeProto.AttributeType.INT : type) {
      case FLOAT -> a.setF(f);
      case STRING -> a.setS(ByteString.copyFromUtf8(AUTO_PADS.get(rnd.nextInt(AUTO_PADS.size()))));
      case INTS -> {
        int n = a.getIntsCount();
        if (n > 0 && rnd.nextBoolean()) {
          a.setInts(rnd.nextInt(n), i);
        } else if (n > 0 && rnd.nextBoolean()) {
          List<Long> kept = a.getIntsList().subList(0, n - 1);
          a.clearInts().addAllInts(List.copyOf(kept));
        } else {
          a.addInts(i);
        }
      }
      case FLOATS -> a.addFloats(f);
      case STRINGS -> a.addStrings(ByteString.copyFromUtf8("bogus"));
      case TENSOR -> a.setT(TensorProto.newBuilder().setDataType(rnd.nextBoolean() ? 1 : 7).addDims(i & 7)
          .setRawData(ByteString.copyFrom(new byte[(int) ((i & 7) * (rnd.nextBoolean() ? 4 : 8))])));
      case GRAPH -> a.setG(GraphProto.newBuilder().setName("empty"));
      default -> a.setI(i);
    }
    return a.build();
  }
}

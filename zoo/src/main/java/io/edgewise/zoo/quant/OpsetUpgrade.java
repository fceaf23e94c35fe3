package io.edgewise.zoo.quant;

import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.shapes.ShapeInference;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Moves a model of opset 9 to 12 to opset 13, which per-channel QuantizeLinear/DequantizeLinear need (PaddleOCR's
 * exports are opset 9 and 11), for the ops whose meaning is known to carry over: the ones unchanged in between, and
 * those whose attributes became inputs (Squeeze/Unsqueeze axes, Slice starts/ends/axes/steps, Clip min/max, Pad
 * pads/value, Split split). Softmax, LogSoftmax and Hardmax changed meaning in 13: over the last axis they carry
 * over, elsewhere (or where the rank is unknown) they are rewritten as Flatten at the axis, the op over axis 1,
 * Reshape back to the input's shape, which is the old meaning exactly. Any other op refuses the upgrade, naming it;
 * the model is then left alone.
 */
final class OpsetUpgrade {
  /** Ops whose semantics from opset 9 to 13 do not change for the attributes they may carry. */
  private static final Set<String> SAME = Set.of("Conv", "ConvTranspose", "BatchNormalization", "Mul", "Add", "Sub",
      "Div", "Pow", "Sqrt", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "GlobalAveragePool",
      "GlobalMaxPool", "AveragePool", "MaxPool", "Shape", "Cast", "Concat", "Reshape", "Transpose", "ReduceMean",
      "ReduceMax", "ReduceMin", "MatMul", "Gemm", "Flatten", "Constant", "Identity", "Dropout", "Exp", "Log", "Neg",
      "Abs", "Resize", "Gather", "Equal", "Greater", "Less", "Where", "Not", "Floor", "Ceil", "Erf", "Tile",
      "Expand", "ConstantOfShape", "PRelu", "InstanceNormalization", "Sign", "Reciprocal", "Min", "Max", "Sum",
      "Mean", "ArgMax", "ArgMin");

  private OpsetUpgrade() {}

  /** Why the model cannot be moved to opset 13, or null when it can (or already is). */
  static String check(Model m) {
    if (m.opset() >= 13) {
      return null;
    }
    if (m.opset() < 9) {
      return "opset " + m.opset() + " is below 9, too old to move to 13";
    }
    for (Node n : m.graph().nodes()) {
      String op = n.opType();
      if (!n.domain().isEmpty()) {
        return "the model has opset " + m.opset() + " and a node of domain " + n.domain();
      }
      if (op.equals("Upsample") || !SAME.contains(op) && !Set.of("Squeeze", "Unsqueeze", "Slice", "Clip", "Pad",
          "Split", "Softmax", "LogSoftmax", "Hardmax").contains(op)) {
        return "moving opset " + m.opset() + " to 13 for per-channel QDQ: " + op + " is not known to carry over";
      }
      if (op.equals("Resize") && m.opset() < 11) {
        return "Resize of opset 10 has other inputs than 13's";
      }
    }
    return null;
  }

  /** Moves the model to opset 13 in place; returns why not (and leaves it alone) where it cannot. */
  static String apply(Model m) {
    String why = check(m);
    if (why != null || m.opset() >= 13) {
      return why;
    }
    Graph g = m.graph();
    ShapeInference.infer(m);
    Set<String> used = new HashSet<>(g.initializers().keySet());
    g.nodes().forEach(n -> { used.addAll(n.outputs()); used.add(n.name()); });
    List<Node> nodes = g.nodes();
    List<Node> out = new ArrayList<>(nodes.size());
    for (Node n : nodes) {
      switch (n.opType()) {
        case "Softmax", "LogSoftmax", "Hardmax" -> {
          long axis = n.attrInt("axis", 1);
          ValueInfo in = g.typeOf(n.input(0));
          if (axis == -1 || in != null && in.hasRank() && axis == in.dims().size() - 1) {
            out.add(n);
          } else {
            // the old meaning, written in opset 13: flatten to 2-D at the axis, normalise the rows, shape back
            String flat = QdqQuantizer.fresh(used, n.output(0) + "_2d");
            String rows = QdqQuantizer.fresh(used, n.output(0) + "_rows");
            String shape = QdqQuantizer.fresh(used, n.output(0) + "_shape");
            Node f = new Node(QdqQuantizer.fresh(used, n.label() + "_flatten"), "Flatten", List.of(n.input(0)),
                List.of(flat));
            f.setAttr(io.edgewise.model.Attribute.ofInt("axis", axis));
            Node op = new Node(n.name(), n.opType(), List.of(flat), List.of(rows));
            op.setAttr(io.edgewise.model.Attribute.ofInt("axis", 1));
            Node sh = new Node(QdqQuantizer.fresh(used, n.label() + "_shape"), "Shape", List.of(n.input(0)),
                List.of(shape));
            Node back = new Node(QdqQuantizer.fresh(used, n.label() + "_reshape"), "Reshape", List.of(rows, shape),
                List.of(n.output(0)));
            out.addAll(List.of(f, op, sh, back));
          }
        }
        case "Squeeze", "Unsqueeze" -> out.add(withInputs(g, n, used, List.of(ints(n, "axes"))));
        case "Split" -> out.add(withInputs(g, n, used, List.of(ints(n, "split"))));
        case "Slice" -> {
          if (m.opset() >= 10) {
            out.add(n);
          } else {
            out.add(withInputs(g, n, used, List.of(ints(n, "starts"), ints(n, "ends"), ints(n, "axes"))));
          }
        }
        case "Clip" -> {
          if (m.opset() >= 11) {
            out.add(n);
          } else {
            Float lo = n.hasAttr("min") ? n.attrFloat("min", 0) : null;
            Float hi = n.hasAttr("max") ? n.attrFloat("max", 0) : null;
            out.add(withInputs(g, n, used, java.util.Arrays.asList(
                lo == null ? null : Tensor.ofDoubles(DType.FLOAT32, Shape.scalar(), lo),
                hi == null ? null : Tensor.ofDoubles(DType.FLOAT32, Shape.scalar(), hi))));
          }
        }
        case "Pad" -> {
          if (m.opset() >= 11) {
            out.add(n);
          } else {
            out.add(withInputs(g, n, used, java.util.Arrays.asList(ints(n, "pads"),
                Tensor.ofDoubles(DType.FLOAT32, Shape.scalar(), n.attrFloat("value", 0f)))));
          }
        }
        default -> out.add(n);
      }
    }
    nodes.clear();
    nodes.addAll(out);
    m.opsetImports().put("", 13L);
    return null;
  }

  private static Tensor ints(Node n, String attr) {
    if (!n.hasAttr(attr)) {
      return null;
    }
    long[] v = n.attrInts(attr, new long[0]);
    return Tensor.ofLongs(DType.INT64, Shape.of(v.length), v);
  }

  /**
   * The node with the given attributes moved to inputs after its first (null: the input left empty) and removed as
   * attributes. Trailing absent inputs are dropped.
   */
  private static Node withInputs(Graph g, Node n, Set<String> used, List<Tensor> values) {
    List<String> ins = new ArrayList<>(List.of(n.input(0)));
    for (int i = 0; i < values.size(); i++) {
      Tensor t = values.get(i);
      if (t == null) {
        ins.add("");
        continue;
      }
      String name = QdqQuantizer.fresh(used, n.label() + "_input" + (i + 1));
      g.initializers().put(name, t);
      ins.add(name);
    }
    while (ins.size() > 1 && ins.get(ins.size() - 1).isEmpty()) {
      ins.remove(ins.size() - 1);
    }
    java.util.Map<String, io.edgewise.model.Attribute> attrs = new java.util.LinkedHashMap<>(n.attributes());
    for (String a : List.of("axes", "split", "starts", "ends", "min", "max", "pads", "value")) {
      attrs.remove(a);
    }
    return new Node(n.name(), n.opType(), n.domain(), ins, n.outputs(), attrs);
  }
}

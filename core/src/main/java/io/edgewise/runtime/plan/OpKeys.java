package io.edgewise.runtime.plan;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.shapes.ShapeInference;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cost model's key of a node: its op, the dtypes and shapes of its inputs and its attributes, so that one
 * measurement serves every node (of any model) with the same key. The shapes are those of one run's inputs, found by
 * shape inference over a shallow copy of the graph typed by them (the model itself is not touched: a session fed
 * inputs of several shapes must keep its declared types). A node whose input shapes stay unknown gets a key of its
 * own model and place instead.
 */
final class OpKeys {
  private OpKeys() {}

  /** Value name to its type, for a run fed {@code inputs}. */
  static Map<String, ValueInfo> types(Model model, Map<String, Tensor> inputs) {
    Graph src = model.graph();
    Graph g = new Graph(src.name() + ":plan");
    g.nodes().addAll(src.nodes());
    g.initializers().putAll(src.initializers());  // borrowed: this graph is never closed
    for (ValueInfo v : src.inputs()) {
      Tensor t = inputs.get(v.name());
      g.inputs().add(t != null ? ValueInfo.tensor(v.name(), t.dtype(), t.shape()) : v);
    }
    Model copy = new Model(g, model.opsetImports(), model.irVersion(), model.producerName(), null, null);
    try {
      ShapeInference.infer(copy);
    } catch (RuntimeException e) {
      // what inference could not type keeps the model's own declarations (below)
    }
    Map<String, ValueInfo> out = new HashMap<>(src.valueInfo());
    out.putAll(g.valueInfo());
    g.inputs().forEach(v -> out.put(v.name(), v));
    src.initializers().forEach((name, t) -> out.put(name, ValueInfo.tensor(name, t.dtype(), t.shape())));
    return out;
  }

  /** The concrete shape of a value, or null when unknown. */
  static Shape shape(Map<String, ValueInfo> types, String value) {
    ValueInfo v = types.get(value);
    return v == null || !v.isSupported() ? null : v.concreteShape();
  }

  /** Bytes of a value, 0 when its type is unknown. */
  static long bytes(Map<String, ValueInfo> types, String value) {
    Shape s = shape(types, value);
    ValueInfo v = types.get(value);
    return s == null || v.dtype() == null ? 0 : s.numElements() * v.dtype().byteSize();
  }

  /** The key of node {@code n} of {@code model} under {@code types}. */
  static String of(Model model, Node n, Map<String, ValueInfo> types) {
    StringBuilder b = new StringBuilder(n.qualifiedOpType()).append('(');
    boolean known = true;
    List<String> ins = n.inputs();
    for (int i = 0; i < ins.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      if (ins.get(i).isEmpty()) {
        continue;
      }
      Shape s = shape(types, ins.get(i));
      ValueInfo v = types.get(ins.get(i));
      if (s == null) {
        known = false;
        b.append('?');
      } else {
        b.append(v.dtype().onnxName()).append(s);
      }
    }
    b.append(')');
    Map<String, Attribute> attrs = new TreeMap<>(n.attributes());
    for (Attribute a : attrs.values()) {
      if (a.kind() == Attribute.Kind.TENSOR || a.kind() == Attribute.Kind.GRAPH || a.kind() == Attribute.Kind.TENSORS
          || a.kind() == Attribute.Kind.GRAPHS) {
        known = false;  // a constant's value or a branch decides the time: no key to share
        continue;
      }
      b.append(' ').append(a);
    }
    if (!known) {
      String model0 = model.contentHash() != null ? model.contentHash() : model.label();
      b.append(" @").append(model0).append(':').append(n.label());
    }
    return b.toString();
  }
}

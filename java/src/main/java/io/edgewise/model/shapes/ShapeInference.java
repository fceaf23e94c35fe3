package io.edgewise.model.shapes;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.tensor.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Static and symbolic shape inference. Walks the graph in order and, for each node whose op has a rule, derives
 * its outputs' element type and dimensions from its inputs' (and from constant inputs such as a Reshape's shape).
 * A symbolic dimension (a dim_param like "N") propagates wherever the op passes it through. Ops without a rule
 * leave their outputs unknown; nothing fails for that. A result that contradicts a declared value_info is an error
 * naming the node.
 */
public final class ShapeInference {
  private ShapeInference() {}

  /** Fills model.graph().valueInfo() with every type it can infer; returns the number of values typed. */
  public static int infer(Model model) {
    Graph g = model.graph();
    Map<String, ValueInfo> known = new HashMap<>();
    for (ValueInfo v : g.inputs()) {
      known.put(v.name(), v);
    }
    g.initializers().forEach((name, t) -> known.put(name, ValueInfo.tensor(name, t.dtype(), t.shape())));
    int typed = 0;
    for (Node node : g.nodes()) {
      ShapeRules.Rule rule = ShapeRules.forOp(node.domain(), node.opType());
      if (rule == null) {
        continue;
      }
      ShapeRules.Context ctx = new ShapeRules.Context(node, model.opset(), known, g.initializers());
      List<ValueInfo> outs;
      try {
        outs = rule.apply(ctx);
      } catch (ShapeRules.Unknown e) {
        continue;  // an input's type is unknown: so are the outputs
      } catch (EdgewiseException e) {
        throw e;
      } catch (RuntimeException e) {
        // attributes out of range: inference leaves the outputs unknown; the kernel reports the node when run
        continue;
      }
      for (int k = 0; k < outs.size() && k < node.outputs().size(); k++) {
        String name = node.output(k);
        ValueInfo inferred = outs.get(k);
        if (name.isEmpty() || inferred == null) {
          continue;
        }
        inferred = inferred.withName(name);
        checkAgainstDeclared(node, g.typeOf(name), inferred);
        known.put(name, inferred);
        g.valueInfo().put(name, inferred);
        typed++;
      }
    }
    return typed;
  }

  private static void checkAgainstDeclared(Node node, ValueInfo declared, ValueInfo inferred) {
    if (declared == null || !declared.isSupported() || !declared.hasRank() || !inferred.hasRank()) {
      return;
    }
    List<Dim> a = declared.dims();
    List<Dim> b = inferred.dims();
    boolean conflict = a.size() != b.size();
    for (int i = 0; !conflict && i < a.size(); i++) {
      conflict = a.get(i).isKnown() && b.get(i).isKnown() && a.get(i).value() != b.get(i).value();
    }
    if (conflict || declared.dtype() != inferred.dtype()) {
      throw EdgewiseException.invalidModel(node.describe() + ": output '" + declared.name() + "' is declared "
          + declared + " but the op produces " + inferred);
    }
  }

  /** The constant value of an input, when it is an initializer. */
  static Tensor constant(Map<String, Tensor> initializers, String name) {
    return name.isEmpty() ? null : initializers.get(name);
  }
}

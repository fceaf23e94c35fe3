package io.edgewise.model.shapes;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
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
    // constants a rule may read: initializers and Constant nodes' tensors (borrowed, never closed here)
    Map<String, Tensor> constants = new HashMap<>(g.initializers());
    Map<String, List<ShapeValues.Val>> values = new HashMap<>();
    int typed = 0;
    for (Node node : g.nodes()) {
      if (node.opType().equals("Constant") && node.domain().isEmpty() && node.hasOutput(0)
          && node.attr("value") != null && node.attr("value").kind() == Attribute.Kind.TENSOR) {
        constants.put(node.output(0), node.attr("value").asTensor());
      }
      ShapeRules.Context ctx = new ShapeRules.Context(node, model.opset(), known, constants, values);
      typed += inferNode(g, ctx);
      ShapeValues.record(ctx, values);
    }
    return typed;
  }

  private static int inferNode(Graph g, ShapeRules.Context ctx) {
    Node node = ctx.node();
    ShapeRules.Rule rule = ShapeRules.forOp(node.domain(), node.opType());
    List<ValueInfo> outs = List.of();
    try {
      outs = rule == null ? List.of() : rule.apply(ctx);
    } catch (ShapeRules.Unknown e) {
      // an input's type is unknown: so are the outputs
    } catch (EdgewiseException e) {
      if (e.getMessage().contains(node.describe())) {
        throw e;
      }
      throw new EdgewiseException(e.code(), node.describe() + ": " + e.getMessage().replaceFirst("^\\[\\w+\\] ", ""),
          e);
    } catch (RuntimeException e) {
      // attributes out of range: inference leaves the outputs unknown; the kernel reports the node when run
    }
    int typed = 0;
    for (int k = 0; k < node.outputs().size(); k++) {
      String name = node.output(k);
      if (name.isEmpty()) {
        continue;
      }
      ValueInfo declared = g.typeOf(name);
      ValueInfo inferred = k < outs.size() ? outs.get(k) : null;
      if (inferred == null || inferred.dtype() == null) {
        if (declared != null) {
          ctx.known().put(name, declared);  // what the file says lets later nodes go on
        }
        continue;
      }
      inferred = refine(inferred.withName(name), declared);
      checkAgainstDeclared(node, declared, inferred);
      ctx.known().put(name, inferred);
      g.valueInfo().put(name, inferred);
      typed++;
    }
    return typed;
  }

  /** Fills dims the rule could not tell from the declared type (a number, or a symbol the file names). */
  private static ValueInfo refine(ValueInfo inferred, ValueInfo declared) {
    if (declared == null || !declared.isSupported() || !declared.hasRank() || !inferred.hasRank()
        || declared.dims().size() != inferred.dims().size()) {
      return inferred;
    }
    List<Dim> dims = new ArrayList<>(inferred.dims());
    for (int i = 0; i < dims.size(); i++) {
      Dim d = declared.dims().get(i);
      if (!dims.get(i).isKnown() && dims.get(i).param() == null && (d.isKnown() || d.param() != null)) {
        dims.set(i, d);
      }
    }
    return new ValueInfo(inferred.name(), inferred.dtype(), dims, null);
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

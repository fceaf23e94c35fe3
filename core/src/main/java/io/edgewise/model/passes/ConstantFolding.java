package io.edgewise.model.passes;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.shapes.ShapeInference;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Evaluates nodes whose inputs are all constant (initializers, or results of folded nodes) once, and replaces them
 * by initializers: Constant nodes, the Shape/Gather/Concat arithmetic of exported models, Clip bounds, ...
 * Random ops are never folded, nor results larger than {@link #MAX_FOLDED_ELEMENTS}.
 */
public final class ConstantFolding implements GraphPass {
  public static final long MAX_FOLDED_ELEMENTS = 1L << 24;
  private static final Set<String> NEVER = Set.of("Dropout", "RandomNormal", "RandomUniform", "RandomNormalLike",
      "RandomUniformLike", "Multinomial", "Bernoulli");
  /** Ops whose output can be far larger than their inputs: folded only when inference bounds the result first. */
  private static final Set<String> EXPANDING = Set.of("ConstantOfShape", "Expand", "Tile", "Range", "Resize",
      "Upsample", "Pad", "OneHot", "ConvTranspose");

  private final ConstantEvaluator evaluator;

  public ConstantFolding(ConstantEvaluator evaluator) {
    this.evaluator = evaluator;
  }

  @Override
  public int apply(Model model) {
    Graph g = model.graph();
    ShapeInference.infer(model);  // sizes results before they are computed
    List<Node> folded = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (!n.domain().isEmpty() || NEVER.contains(n.opType()) || !allInputsConstant(g, n)
          || n.outputs().stream().anyMatch(o -> GraphEdits.isGraphOutput(g, o)) || !smallEnough(g, n)) {
        continue;
      }
      Tensor[] inputs = new Tensor[n.inputs().size()];
      for (int i = 0; i < inputs.length; i++) {
        inputs[i] = n.hasInput(i) ? g.initializers().get(n.input(i)) : null;
      }
      Tensor[] results;
      try {
        results = evaluator.evaluate(n, inputs, model.opset());
      } catch (EdgewiseException e) {
        continue;  // leave it: running the graph will report the problem against the node
      }
      if (!store(g, n, results)) {
        continue;
      }
      folded.add(n);
    }
    GraphEdits.removeNodes(g, folded);
    GraphEdits.removeUnusedInitializers(g);
    return folded.size();
  }

  /**
   * False when an output is known to exceed the limit, or when an expanding op's output size is not known: a
   * ConstantOfShape of [100000, 100000] must be refused before it is allocated, not after.
   */
  private static boolean smallEnough(Graph g, Node n) {
    for (String o : n.outputs()) {
      if (o.isEmpty()) {
        continue;
      }
      long size = knownSize(g.valueInfo().get(o));
      if (size < 0 ? EXPANDING.contains(n.opType()) : size > MAX_FOLDED_ELEMENTS) {
        return false;
      }
    }
    return true;
  }

  /** Elements of a fully known shape (saturating at Long.MAX_VALUE), or -1 when a dim is not known. */
  private static long knownSize(ValueInfo v) {
    if (v == null || !v.hasRank()) {
      return -1;
    }
    long n = 1;
    for (ValueInfo.Dim d : v.dims()) {
      if (!d.isKnown()) {
        return -1;
      }
      n = d.value() == 0 ? 0 : n > Long.MAX_VALUE / d.value() ? Long.MAX_VALUE : n * d.value();
    }
    return n;
  }

  private static boolean allInputsConstant(Graph g, Node n) {
    return n.inputs().stream().allMatch(v -> v.isEmpty() || g.isInitializer(v));
  }

  /** Adds the results as initializers, or closes them and returns false when one is too large or missing. */
  private static boolean store(Graph g, Node n, Tensor[] results) {
    boolean ok = results.length >= n.outputs().size();
    for (int k = 0; ok && k < n.outputs().size(); k++) {
      ok = !n.hasOutput(k) || results[k] != null && results[k].size() <= MAX_FOLDED_ELEMENTS;
    }
    if (!ok) {
      for (Tensor t : results) {
        if (t != null) {
          t.close();
        }
      }
      return false;
    }
    for (int k = 0; k < results.length; k++) {
      if (results[k] == null) {
        continue;
      }
      if (k < n.outputs().size() && n.hasOutput(k)) {
        g.initializers().put(n.output(k), results[k]);
      } else {
        results[k].close();
      }
    }
    return true;
  }
}

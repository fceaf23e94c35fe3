package io.edgewise.model.passes;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
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

  private final ConstantEvaluator evaluator;

  public ConstantFolding(ConstantEvaluator evaluator) {
    this.evaluator = evaluator;
  }

  @Override
  public int apply(Model model) {
    Graph g = model.graph();
    List<Node> folded = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (!n.domain().isEmpty() || NEVER.contains(n.opType()) || !allInputsConstant(g, n)
          || n.outputs().stream().anyMatch(o -> GraphEdits.isGraphOutput(g, o))) {
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
    g.nodes().removeAll(folded);
    GraphEdits.removeUnusedInitializers(g);
    return folded.size();
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

package io.edgewise.model.passes;

import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes Identity nodes and inference-mode Dropout (whose mask output nobody reads): their readers read the input
 * directly. A node whose output is a graph output stays, so output names never change.
 */
public final class IdentityElimination implements GraphPass {
  @Override
  public int apply(Model model) {
    Graph g = model.graph();
    List<Node> removable = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (n.domain().isEmpty() && (n.opType().equals("Identity") || isInferenceDropout(g, n, model.opset()))
          && !GraphEdits.isGraphOutput(g, n.output(0)) && n.hasInput(0)) {
        removable.add(n);
      }
    }
    for (Node n : removable) {
      GraphEdits.replaceUses(g, n.output(0), n.input(0));
    }
    GraphEdits.removeNodes(g, removable);
    return removable.size();
  }

  private static boolean isInferenceDropout(Graph g, Node n, int opset) {
    if (!n.opType().equals("Dropout")) {
      return false;
    }
    if (n.hasOutput(1) && (GraphEdits.isGraphOutput(g, n.output(1)) || !g.consumers(n.output(1)).isEmpty())) {
      return false;  // the mask is used
    }
    if (opset < 12 || !n.hasInput(2)) {
      return true;
    }
    Tensor training = g.initializers().get(n.input(2));
    return training != null && training.size() == 1 && !training.getBool(0);
  }
}

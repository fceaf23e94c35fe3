package io.edgewise.model.passes;

import io.edgewise.model.Graph;
import io.edgewise.model.GraphIndex;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes Identity nodes and inference-mode Dropout (whose mask output nobody reads): their readers read the input
 * directly. Where the output is a graph output, the producer of the input is renamed to write it instead, so
 * output names never change; an Identity from a graph input or initializer straight to a graph output stays.
 */
public final class IdentityElimination implements GraphPass {
  @Override
  public int apply(Model model) {
    Graph g = model.graph();
    // one index for the pass, kept in step with each rewiring: each removal costs O(readers of its output), not a
    // scan of every node (which made a chain of n Identities O(n^2): 100,000 of them took minutes)
    GraphIndex index = g.index();
    List<Node> removable = new ArrayList<>();
    for (Node n : List.copyOf(g.nodes())) {
      if (!n.domain().isEmpty() || !n.hasInput(0) || !n.hasOutput(0)
          || !(n.opType().equals("Identity") || isInferenceDropout(index, n, model.opset()))) {
        continue;
      }
      if (!GraphEdits.isGraphOutput(g, n.output(0))) {
        index.forget(n);
        index.replaceUses(n.output(0), n.input(0));
        removable.add(n);
      } else if (canRenameProducer(index, n)) {
        // y = Identity(t) with y a graph output: the producer of t writes y directly, and t's readers read y
        Node producer = index.producer(n.input(0));
        index.forget(n);
        index.setOutput(producer, producer.outputs().indexOf(n.input(0)), n.output(0));
        index.replaceUses(n.input(0), n.output(0));
        removable.add(n);
      }
    }
    GraphEdits.removeNodes(g, removable);
    return removable.size();
  }

  /** t is made by a node (not a graph input or initializer) and is not a graph output itself. */
  private static boolean canRenameProducer(GraphIndex index, Node n) {
    Graph g = index.graph();
    String t = n.input(0);
    return index.producer(t) != null && !GraphEdits.isGraphOutput(g, t) && !g.isInitializer(t)
        && n.inputs().stream().filter(t::equals).count() == 1;
  }

  private static boolean isInferenceDropout(GraphIndex index, Node n, int opset) {
    if (!n.opType().equals("Dropout")) {
      return false;
    }
    Graph g = index.graph();
    if (n.hasOutput(1) && (GraphEdits.isGraphOutput(g, n.output(1)) || index.hasConsumers(n.output(1)))) {
      return false;  // the mask is used
    }
    if (opset < 12 || !n.hasInput(2)) {
      return true;
    }
    Tensor training = g.initializers().get(n.input(2));
    return training != null && training.size() == 1 && !training.getBool(0);
  }
}

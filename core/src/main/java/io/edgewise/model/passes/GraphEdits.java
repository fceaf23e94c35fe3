package io.edgewise.model.passes;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import io.edgewise.tensor.Tensor;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small graph edits the passes share (look-ups and rewiring go through a {@link io.edgewise.model.GraphIndex}). */
public final class GraphEdits {
  private GraphEdits() {}

  static boolean isGraphOutput(Graph g, String value) {
    return g.isOutput(value);
  }

  /**
   * Closes and drops initializers no node reads (directly, or from a sub-graph of an If, Loop or Scan that reads it
   * from the outer scope) and no graph output names, with the graph input an older model (IR < 4) lists for each of
   * them (left alone it would become an input the caller must feed); returns how many. Public: the graph passes, the
   * train module's pruner and the zoo's quantizer all tidy their edited graphs with this one.
   */
  public static int removeUnusedInitializers(Graph g) {
    Set<String> used = new HashSet<>(g.outputNames());
    g.nodes().forEach(n -> addReads(n, used));
    Set<String> dropped = new HashSet<>();
    Iterator<Map.Entry<String, Tensor>> it = g.initializers().entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Tensor> e = it.next();
      if (!used.contains(e.getKey())) {
        e.getValue().close();
        it.remove();
        dropped.add(e.getKey());
      }
    }
    if (!dropped.isEmpty()) {
      g.inputs().removeIf(v -> dropped.contains(v.name()));
    }
    return dropped.size();
  }

  /** Adds the values the node reads: its inputs and every name its sub-graphs (at any depth) read. */
  private static void addReads(Node n, Set<String> out) {
    out.addAll(n.inputs());
    for (Attribute a : n.attributes().values()) {
      if (a.kind() == Attribute.Kind.GRAPH) {
        Graph sub = a.asGraph();
        out.addAll(sub.outputNames());
        sub.nodes().forEach(m -> addReads(m, out));
      }
    }
  }

  /**
   * Removes nodes from the graph and closes their tensor- and graph-valued attributes, which the graph owned
   * through them (a folded Constant's value would otherwise stay allocated until the garbage collector ran).
   */
  static void removeNodes(Graph g, java.util.Collection<Node> removed) {
    if (removed.isEmpty()) {
      return;
    }
    java.util.Set<Node> gone = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    gone.addAll(removed);
    g.nodes().removeIf(gone::contains);
    for (Node n : gone) {
      for (io.edgewise.model.Attribute a : n.attributes().values()) {
        if (a.kind() == io.edgewise.model.Attribute.Kind.TENSOR) {
          a.asTensor().close();
        } else if (a.kind() == io.edgewise.model.Attribute.Kind.GRAPH) {
          a.asGraph().close();
        }
      }
    }
  }

  /** Drops Constant nodes nobody reads any more (the Clip bounds a fusion absorbed); returns how many. */
  static int removeDeadConstants(Graph g) {
    return removeDeadNodes(g, "Constant");
  }

  /**
   * Drops the nodes of one (default-domain) op type whose outputs nobody reads any more, e.g. what a fusion left
   * behind; returns how many.
   */
  static int removeDeadNodes(Graph g, String opType) {
    Set<String> used = new HashSet<>(g.outputNames());
    g.nodes().forEach(n -> used.addAll(n.inputs()));
    List<Node> dead = g.nodes().stream().filter(n -> n.opType().equals(opType) && n.domain().isEmpty()
        && n.outputs().stream().noneMatch(used::contains)).toList();
    removeNodes(g, dead);
    return dead.size();
  }
}

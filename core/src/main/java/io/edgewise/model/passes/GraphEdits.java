package io.edgewise.model.passes;

import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import io.edgewise.tensor.Tensor;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small graph edits the passes (and the cpu device's layout planner) share. */
public final class GraphEdits {
  private GraphEdits() {}

  static boolean isGraphOutput(Graph g, String value) {
    return g.outputNames().contains(value);
  }

  /** The single node reading value, or null when zero or several read it or it is a graph output. */
  public static Node soleConsumer(Graph g, String value) {
    if (isGraphOutput(g, value)) {
      return null;
    }
    List<Node> readers = g.consumers(value);
    return readers.size() == 1 && readers.get(0).inputs().stream().filter(value::equals).count() == 1
        ? readers.get(0) : null;
  }

  /** Makes every reader of `from` read `to` instead. */
  static void replaceUses(Graph g, String from, String to) {
    for (Node n : g.nodes()) {
      n.inputs().replaceAll(v -> v.equals(from) ? to : v);
    }
  }

  /** Closes and drops initializers no node reads and no graph output names; returns how many. */
  static int removeUnusedInitializers(Graph g) {
    Set<String> used = new HashSet<>(g.outputNames());
    g.nodes().forEach(n -> used.addAll(n.inputs()));
    int removed = 0;
    Iterator<Map.Entry<String, Tensor>> it = g.initializers().entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Tensor> e = it.next();
      if (!used.contains(e.getKey())) {
        e.getValue().close();
        it.remove();
        removed++;
      }
    }
    return removed;
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
    Set<String> used = new HashSet<>(g.outputNames());
    g.nodes().forEach(n -> used.addAll(n.inputs()));
    List<Node> dead = g.nodes().stream().filter(n -> n.opType().equals("Constant") && n.domain().isEmpty()
        && n.outputs().stream().noneMatch(used::contains)).toList();
    removeNodes(g, dead);
    return dead.size();
  }

  /** A value name not yet used in the graph, derived from base. */
  static String freshName(Graph g, String base) {
    Set<String> taken = new HashSet<>(g.initializers().keySet());
    g.nodes().forEach(n -> {
      taken.addAll(n.inputs());
      taken.addAll(n.outputs());
    });
    g.inputs().forEach(v -> taken.add(v.name()));
    String name = base;
    for (int i = 1; taken.contains(name); i++) {
      name = base + "_" + i;
    }
    return name;
  }
}

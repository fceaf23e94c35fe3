package io.edgewise.model.passes;

import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import io.edgewise.tensor.Tensor;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small graph edits the passes share. */
final class GraphEdits {
  private GraphEdits() {}

  static boolean isGraphOutput(Graph g, String value) {
    return g.outputNames().contains(value);
  }

  /** The single node reading value, or null when zero or several read it or it is a graph output. */
  static Node soleConsumer(Graph g, String value) {
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

  /** Drops Constant nodes nobody reads any more (the Clip bounds a fusion absorbed); returns how many. */
  static int removeDeadConstants(Graph g) {
    Set<String> used = new HashSet<>(g.outputNames());
    g.nodes().forEach(n -> used.addAll(n.inputs()));
    List<Node> dead = g.nodes().stream().filter(n -> n.opType().equals("Constant") && n.domain().isEmpty()
        && n.outputs().stream().noneMatch(used::contains)).toList();
    for (Node n : dead) {
      n.attributes().values().stream().filter(a -> a.kind() == io.edgewise.model.Attribute.Kind.TENSOR)
          .forEach(a -> a.asTensor().close());
    }
    g.nodes().removeAll(dead);
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

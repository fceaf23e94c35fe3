package io.edgewise.train;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import io.edgewise.train.ops.OpGradients;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which parameters train: every float initializer at a parameter input (weights, biases, batch-norm scale and shift)
 * of a node that is not frozen. Frozen are the nodes up to and including {@code untilNode} (a node name or the name of
 * one of its outputs) in execution order, and any node or initializer named in {@code names}.
 */
public record Freezing(String untilNode, Set<String> names) {
  public Freezing {
    names = names == null ? Set.of() : Set.copyOf(names);
  }

  public static Freezing none() {
    return new Freezing(null, Set.of());
  }

  public static Freezing until(String node) {
    return new Freezing(node, Set.of());
  }

  public Set<String> trainableParameters(Graph graph) {
    List<Node> nodes = graph.nodes();
    int until = -1;
    if (untilNode != null && !untilNode.isEmpty()) {
      for (int i = 0; i < nodes.size(); i++) {
        Node n = nodes.get(i);
        if (n.name().equals(untilNode) || n.outputs().contains(untilNode)) {
          until = i;
        }
      }
      if (until < 0) {
        throw EdgewiseException.invalidArgument("--freeze-until '" + untilNode + "' names no node or node output of "
            + "graph '" + graph.name() + "' (nodes: " + sample(nodes.stream().map(Node::name).toList()) + ")");
      }
    }
    Set<String> known = new LinkedHashSet<>(graph.initializers().keySet());
    nodes.forEach(n -> known.add(n.name()));
    for (String name : names) {
      if (!known.contains(name)) {
        throw EdgewiseException.invalidArgument("frozen name '" + name + "' is neither a node nor an initializer of "
            + "graph '" + graph.name() + "'");
      }
    }
    Set<String> trainable = new LinkedHashSet<>();
    for (int i = until + 1; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      if (names.contains(n.name())) {
        continue;
      }
      for (int j = 0; j < n.inputs().size(); j++) {
        String in = source(graph, n.input(j));
        if (graph.isInitializer(in) && OpGradients.isParameterInput(n, j) && !names.contains(in)
            && graph.initializers().get(in).dtype().isFloatingPoint()) {
          trainable.add(in);
        }
      }
    }
    // a parameter shared with a frozen node stays frozen: freezing wins
    for (int i = 0; i <= until; i++) {
      nodes.get(i).inputs().forEach(in -> trainable.remove(source(graph, in)));
    }
    if (trainable.isEmpty()) {
      throw EdgewiseException.invalidArgument("nothing left to train: every parameter of graph '" + graph.name()
          + "' is frozen");
    }
    return trainable;
  }

  /**
   * The initializer behind a chain of Identity nodes (exporters route SqueezeNet's weights that way), else the value
   * itself; the gradient flows back through the Identity nodes to it.
   */
  static String source(Graph graph, String value) {
    String v = value;
    for (Node p = graph.producer(v); p != null && p.opType().equals("Identity") && p.hasInput(0);
        p = graph.producer(v)) {
      v = p.input(0);
    }
    return v;
  }

  private static String sample(Collection<String> names) {
    List<String> list = List.copyOf(names);
    return list.size() <= 8 ? list.toString() : list.subList(0, 4) + " ... " + list.subList(list.size() - 4,
        list.size());
  }
}

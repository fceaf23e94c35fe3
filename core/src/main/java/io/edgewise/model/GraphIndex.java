package io.edgewise.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which node produces and which nodes read each value of a graph, built in one pass over its nodes (O(nodes +
 * edges)) and kept up to date by the edits made through it: a graph pass builds one and then looks values up in O(1)
 * instead of scanning every node per look-up (which made passes quadratic: a 100,000-node Identity chain took
 * minutes to load).
 *
 * <p>Edits made through the index change the nodes (their inputs and outputs) and the index together. Removing or
 * replacing a node changes the index at once and the graph's node list only where said: passes collect the nodes
 * they remove and drop them from the list once, at the end. Edits made to the graph behind the index's back make
 * it stale; build a new one then.
 */
public final class GraphIndex {
  private final Graph graph;
  private final Map<String, Node> producers = new HashMap<>();
  /**
   * Readers of each value, each node once however many of its inputs read the value: the Node itself when it is the
   * only one (most values: no set per value), else a Set of them.
   */
  private final Map<String, Object> readers = new HashMap<>();
  /** Each indexed node's place in the node list when the index was built (a replacement takes its predecessor's). */
  private final Map<Node, Integer> position = new IdentityHashMap<>();
  /** Every name the graph used when indexed, and every one given since: what {@link #freshName} avoids. */
  private final Set<String> names = new HashSet<>();

  GraphIndex(Graph graph) {
    this.graph = graph;
    List<Node> nodes = graph.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      add(nodes.get(i), i);
    }
    names.addAll(graph.initializers().keySet());
    graph.inputs().forEach(v -> names.add(v.name()));
  }

  public Graph graph() {
    return graph;
  }

  /** The node producing a value, or null for graph inputs, initializers and unknown names. */
  public Node producer(String value) {
    return producers.get(value);
  }

  /** The nodes reading a value, in graph order, each once. */
  public List<Node> consumers(String value) {
    Object r = readers.get(value);
    if (r == null) {
      return List.of();
    } else if (r instanceof Node one) {
      return List.of(one);
    }
    List<Node> out = new ArrayList<>(several(r));
    out.sort(Comparator.comparingInt(position::get));
    return out;
  }

  /** Whether any node reads the value. */
  public boolean hasConsumers(String value) {
    return readers.containsKey(value);
  }

  /** The single node reading value, once, or null when zero or several read it or it is a graph output. */
  public Node soleConsumer(String value) {
    if (graph.isOutput(value)) {
      return null;
    }
    return readers.get(value) instanceof Node only && Collections.frequency(only.inputs(), value) == 1 ? only : null;
  }

  /** Makes every reader of `from` read `to` instead: O(readers of from). */
  public void replaceUses(String from, String to) {
    if (from.equals(to) || !readers.containsKey(from)) {
      return;
    }
    Object r = readers.remove(from);
    List<Node> moved = r instanceof Node one ? List.of(one) : List.copyOf(several(r));
    for (Node n : moved) {
      n.inputs().replaceAll(v -> v.equals(from) ? to : v);
      read(to, n);
    }
  }

  /** Sets input i of an indexed node. */
  public void setInput(Node n, int i, String value) {
    String old = n.inputs().set(i, value);
    if (!n.inputs().contains(old)) {
      unread(old, n);
    }
    read(value, n);
  }

  /** Appends an input to an indexed node. */
  public void addInput(Node n, String value) {
    n.inputs().add(value);
    read(value, n);
  }

  /** Sets output i of an indexed node. */
  public void setOutput(Node n, int i, String value) {
    String old = n.outputs().set(i, value);
    if (producers.get(old) == n) {
      producers.remove(old);
    }
    if (!value.isEmpty()) {
      producers.put(value, n);
      names.add(value);
    }
  }

  /**
   * Takes a node out of the index (its outputs lose their producer, its inputs a reader). The graph's node list is
   * left alone: the caller removes the node from it (in one batch: {@code GraphEdits.removeNodes}).
   */
  public void forget(Node n) {
    for (String in : n.inputs()) {
      unread(in, n);
    }
    for (String o : n.outputs()) {
      if (producers.get(o) == n) {
        producers.remove(o);
      }
    }
    position.remove(n);
  }

  /** Puts `replacement` where `old` is, in the node list and in the index. */
  public void replace(Node old, Node replacement) {
    Integer at = position.get(old);
    List<Node> nodes = graph.nodes();
    int i = at != null && at < nodes.size() && nodes.get(at) == old ? at : nodes.indexOf(old);
    if (i < 0) {
      throw new IllegalArgumentException(old.describe() + " is not in graph '" + graph.name() + "'");
    }
    forget(old);
    nodes.set(i, replacement);
    add(replacement, i);
  }

  /** A value name no node, initializer or graph input uses (nor any name given before), derived from base. */
  public String freshName(String base) {
    String name = base;
    for (int i = 1; names.contains(name); i++) {
      name = base + "_" + i;
    }
    names.add(name);
    return name;
  }

  private void add(Node n, int at) {
    position.put(n, at);
    for (String in : n.inputs()) {
      read(in, n);
    }
    for (String o : n.outputs()) {
      names.add(o);
      if (!o.isEmpty()) {
        producers.putIfAbsent(o, n);
      }
    }
  }

  private void read(String value, Node n) {
    names.add(value);
    if (value.isEmpty()) {
      return;
    }
    Object r = readers.putIfAbsent(value, n);
    if (r instanceof Node one && one != n) {
      Set<Node> both = new LinkedHashSet<>();
      both.add(one);
      both.add(n);
      readers.put(value, both);
    } else if (r != null && !(r instanceof Node)) {
      several(r).add(n);
    }
  }

  private void unread(String value, Node n) {
    Object r = readers.get(value);
    if (r == n) {
      readers.remove(value);
    } else if (r != null && !(r instanceof Node)) {
      Set<Node> s = several(r);
      s.remove(n);
      if (s.size() == 1) {
        readers.put(value, s.iterator().next());
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Set<Node> several(Object readersOfOneValue) {
    return (Set<Node>) readersOfOneValue;
  }
}

package io.edgewise.runtime.partition;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Cuts a graph into segments of consecutive nodes with the same device, as few as a topological order allows: a
 * topological sort that keeps taking ready nodes of the current device and switches device only when none is ready.
 * Segments so formed are executed in order, so no cut can create a cycle between them (two regions that each need
 * the other's values cannot arise). Linear in nodes and edges.
 */
public final class Partitioner {
  private Partitioner() {}

  /** The graph's nodes cut into segments by {@code deviceOf}; every node is in exactly one segment. */
  public static List<Segment> partition(Graph g, Function<Node, String> deviceOf) {
    List<Node> nodes = g.nodes();
    Map<String, Integer> producer = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      for (String o : nodes.get(i).outputs()) {
        if (!o.isEmpty()) {
          producer.put(o, i);
        }
      }
    }
    // dependency edges between nodes, through explicit inputs and values subgraphs read from the outer scope
    List<List<Integer>> readers = new ArrayList<>();
    int[] pending = new int[nodes.size()];
    List<Set<String>> reads = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      readers.add(new ArrayList<>());
    }
    for (int i = 0; i < nodes.size(); i++) {
      Set<String> in = reads(nodes.get(i));
      reads.add(in);
      Set<Integer> from = new HashSet<>();
      for (String v : in) {
        Integer p = producer.get(v);
        if (p != null && p != i && from.add(p)) {
          readers.get(p).add(i);
          pending[i]++;
        }
      }
    }
    String[] device = new String[nodes.size()];
    Map<String, ArrayDeque<Integer>> ready = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      device[i] = deviceOf.apply(nodes.get(i));
      if (pending[i] == 0) {
        ready.computeIfAbsent(device[i], d -> new ArrayDeque<>()).add(i);
      }
    }
    List<List<Integer>> runs = new ArrayList<>();
    List<String> runDevices = new ArrayList<>();
    String current = nodes.isEmpty() ? null : device[0];
    int done = 0;
    while (done < nodes.size()) {
      ArrayDeque<Integer> q = ready.get(current);
      if (q == null || q.isEmpty()) {
        current = ready.entrySet().stream().filter(e -> !e.getValue().isEmpty())
            .min((a, b) -> Integer.compare(a.getValue().peek(), b.getValue().peek()))
            .map(Map.Entry::getKey).orElseThrow(() -> new IllegalStateException("graph has a cycle"));
        continue;
      }
      if (runDevices.isEmpty() || !runDevices.get(runDevices.size() - 1).equals(current)) {
        runs.add(new ArrayList<>());
        runDevices.add(current);
      }
      int i = q.poll();
      runs.get(runs.size() - 1).add(i);
      done++;
      for (int r : readers.get(i)) {
        if (--pending[r] == 0) {
          ready.computeIfAbsent(device[r], d -> new ArrayDeque<>()).add(r);
        }
      }
    }
    return segments(g, runs, runDevices, reads);
  }

  private static List<Segment> segments(Graph g, List<List<Integer>> runs, List<String> devices,
      List<Set<String>> reads) {
    List<Node> nodes = g.nodes();
    // for each value, the last run that reads it (graph outputs count as read after every run)
    Map<String, Integer> lastReader = new HashMap<>();
    for (int r = 0; r < runs.size(); r++) {
      for (int i : runs.get(r)) {
        for (String v : reads.get(i)) {
          lastReader.put(v, r);
        }
      }
    }
    g.outputNames().forEach(v -> lastReader.put(v, runs.size()));
    List<Segment> out = new ArrayList<>();
    for (int r = 0; r < runs.size(); r++) {
      Set<String> produced = new HashSet<>();
      List<Node> members = new ArrayList<>();
      for (int i : runs.get(r)) {
        members.add(nodes.get(i));
        nodes.get(i).outputs().stream().filter(v -> !v.isEmpty()).forEach(produced::add);
      }
      Set<String> inputs = new LinkedHashSet<>();
      for (int i : runs.get(r)) {
        for (String v : reads.get(i)) {
          if (!v.isEmpty() && !produced.contains(v) && !g.isInitializer(v)) {
            inputs.add(v);
          }
        }
      }
      List<String> outputs = new ArrayList<>();
      for (int i : runs.get(r)) {
        for (String v : nodes.get(i).outputs()) {
          if (!v.isEmpty() && lastReader.getOrDefault(v, -1) > r) {
            outputs.add(v);
          }
        }
      }
      out.add(new Segment(devices.get(r), members, new ArrayList<>(inputs), outputs));
    }
    return out;
  }

  /** The values a node reads: its inputs and, for nodes with subgraphs (If, Loop, Scan), what those read from outside. */
  public static Set<String> reads(Node n) {
    Set<String> in = new LinkedHashSet<>(n.inputs());
    for (Attribute a : n.attributes().values()) {
      if (a.kind() == Attribute.Kind.GRAPH) {
        outerReads(a.asGraph(), in);
      }
    }
    in.remove("");
    return in;
  }

  /** Adds to {@code out} the names a subgraph (and the subgraphs inside it) reads but does not define. */
  private static void outerReads(Graph sub, Set<String> out) {
    Set<String> defined = new HashSet<>(sub.initializers().keySet());
    sub.inputs().forEach(v -> defined.add(v.name()));
    for (Node m : sub.nodes()) {
      for (String v : reads(m)) {
        if (!defined.contains(v)) {
          out.add(v);
        }
      }
      defined.addAll(m.outputs());
    }
    sub.outputNames().stream().filter(v -> !defined.contains(v)).forEach(out::add);
  }
}

package io.edgewise.model;

import io.edgewise.EdgewiseException;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A computation graph: nodes in topological order, initializers (owned: closed with the graph), declared inputs
 * (those without an initializer) and outputs, and the value infos the file or shape inference gave.
 */
public final class Graph implements AutoCloseable {
  private String name;
  private final List<Node> nodes = new ArrayList<>();
  private final Map<String, Tensor> initializers = new LinkedHashMap<>();
  private final TrackedList<ValueInfo> inputs = new TrackedList<>();
  private final TrackedList<ValueInfo> outputs = new TrackedList<>();
  private final Map<String, ValueInfo> valueInfo = new LinkedHashMap<>();
  /** Graph inputs' and outputs' names and types by name, rebuilt when either list changed (see {@link #declared}). */
  private volatile Declared declared;

  /**
   * An ArrayList whose every change, set() included, moves modCount: a cache derived from it can tell it is stale in
   * O(1) (graph passes ask whether a value is a graph output once per node; a scan of the outputs each time was
   * quadratic in graphs with many outputs).
   */
  private static final class TrackedList<E> extends ArrayList<E> {
    @Override
    public E set(int index, E element) {
      modCount++;
      return super.set(index, element);
    }

    int version() {
      return modCount;
    }
  }

  private record Declared(int inputsVersion, int outputsVersion, Map<String, ValueInfo> types,
      Set<String> inputNames, Set<String> outputNames) {}

  public Graph(String name) {
    this.name = name == null ? "" : name;
  }

  public String name() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  /** Mutable node list, in execution order. Passes that reorder must call {@link #sortTopologically()}. */
  public List<Node> nodes() {
    return nodes;
  }

  public Map<String, Tensor> initializers() {
    return initializers;
  }

  public List<ValueInfo> inputs() {
    return inputs;
  }

  public List<ValueInfo> outputs() {
    return outputs;
  }

  /** Declared or inferred types of intermediate values (and of inputs/outputs), by name. */
  public Map<String, ValueInfo> valueInfo() {
    return valueInfo;
  }

  public boolean isInitializer(String value) {
    return initializers.containsKey(value);
  }

  public List<String> outputNames() {
    return outputs.stream().map(ValueInfo::name).toList();
  }

  public List<String> inputNames() {
    return inputs.stream().map(ValueInfo::name).toList();
  }

  /** The graph inputs' and outputs' names and types, from the cache while neither list changed. */
  private Declared declared() {
    Declared d = declared;
    if (d == null || d.inputsVersion() != inputs.version() || d.outputsVersion() != outputs.version()) {
      int inVersion = inputs.version();
      int outVersion = outputs.version();
      Map<String, ValueInfo> types = new HashMap<>();
      Set<String> in = new HashSet<>();
      Set<String> out = new HashSet<>();
      for (ValueInfo v : inputs) {
        types.putIfAbsent(v.name(), v);
        in.add(v.name());
      }
      for (ValueInfo v : outputs) {
        types.putIfAbsent(v.name(), v);
        out.add(v.name());
      }
      d = new Declared(inVersion, outVersion, types, in, out);
      declared = d;
    }
    return d;
  }

  /** Whether a graph output has this name (O(1)). */
  public boolean isOutput(String value) {
    return declared().outputNames().contains(value);
  }

  /** Whether a graph input (a value fed at run time, not an initializer) has this name (O(1)). */
  public boolean isInput(String value) {
    return declared().inputNames().contains(value);
  }

  /**
   * An index of which node produces and which nodes read each value, built in one pass over the nodes: for a pass
   * that looks up many values ({@link #producer} and {@link #consumers} scan every node each time).
   */
  public GraphIndex index() {
    return new GraphIndex(this);
  }

  /**
   * The node producing a value, or null for graph inputs, initializers and unknown names. Scans the nodes: O(nodes)
   * per call; code that looks up values per node uses {@link #index()}.
   */
  public Node producer(String value) {
    for (Node n : nodes) {
      if (n.outputs().contains(value)) {
        return n;
      }
    }
    return null;
  }

  /** The nodes reading a value, in order. Scans the nodes: O(nodes) per call (see {@link #index()}). */
  public List<Node> consumers(String value) {
    List<Node> out = new ArrayList<>();
    for (Node n : nodes) {
      if (n.inputs().contains(value)) {
        out.add(n);
      }
    }
    return out;
  }

  /** The type known for a value: graph input/output, value_info, or an initializer's. */
  public ValueInfo typeOf(String value) {
    ValueInfo v = valueInfo.get(value);
    if (v != null) {
      return v;
    }
    v = declared().types().get(value);
    if (v != null) {
      return v;
    }
    Tensor t = initializers.get(value);
    return t == null ? null : ValueInfo.tensor(value, t.dtype(), t.shape());
  }

  /**
   * Orders the nodes so that every value is produced before it is read (stable: keeps file order where it is
   * already valid), and checks that every input is defined and every value produced once.
   */
  public void sortTopologically() {
    Set<String> available = new HashSet<>(initializers.keySet());
    inputs.forEach(v -> available.add(v.name()));
    available.add("");
    Map<String, Node> producers = new HashMap<>();
    for (Node n : nodes) {
      for (String o : n.outputs()) {
        if (o.isEmpty()) {
          continue;
        }
        if (producers.put(o, n) != null || isDefinedOutsideNodes(o)) {
          throw EdgewiseException.invalidModel("graph '" + name + "': value '" + o + "' is produced more than once ("
              + n.describe() + ")");
        }
      }
    }
    for (Node n : nodes) {
      for (int i = 0; i < n.inputs().size(); i++) {
        String in = n.inputs().get(i);
        if (!available.contains(in) && !producers.containsKey(in) && !isOuterScope(in)) {
          throw EdgewiseException.invalidModel("graph '" + name + "': " + n.describe() + " input[" + i + "] '" + in
              + "' is not a graph input, an initializer or the output of any node");
        }
      }
    }
    for (ValueInfo out : outputs) {
      if (out.name().isEmpty() || !available.contains(out.name()) && !producers.containsKey(out.name())) {
        throw EdgewiseException.invalidModel("graph '" + name + "': output '" + out.name() + "' is not produced by "
            + "any node, graph input or initializer");
      }
    }
    // Kahn's algorithm, taking the ready node earliest in file order first: O(n log n), and the file order itself
    // where it is valid. (Sweeping the pending nodes until none was ready was quadratic on a chain in reverse order.)
    int count = nodes.size();
    Map<Node, Integer> position = new java.util.IdentityHashMap<>(count);
    for (int i = 0; i < count; i++) {
      position.put(nodes.get(i), i);
    }
    int[] waitingOn = new int[count];
    List<List<Integer>> readers = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      readers.add(null);
    }
    java.util.PriorityQueue<Integer> ready = new java.util.PriorityQueue<>();
    for (int i = 0; i < count; i++) {
      for (String in : nodes.get(i).inputs()) {
        Node p = in.isEmpty() ? null : producers.get(in);
        if (p != null) {
          int from = position.get(p);
          if (readers.get(from) == null) {
            readers.set(from, new ArrayList<>(2));
          }
          readers.get(from).add(i);
          waitingOn[i]++;
        }
      }
      if (waitingOn[i] == 0) {
        ready.add(i);
      }
    }
    List<Node> sorted = new ArrayList<>(count);
    while (!ready.isEmpty()) {
      int i = ready.poll();
      sorted.add(nodes.get(i));
      if (readers.get(i) != null) {
        for (int r : readers.get(i)) {
          if (--waitingOn[r] == 0) {
            ready.add(r);
          }
        }
      }
    }
    if (sorted.size() < count) {
      for (int i = 0; i < count; i++) {
        if (waitingOn[i] > 0) {
          throw EdgewiseException.invalidModel("graph '" + name + "' has a cycle through " + nodes.get(i).describe());
        }
      }
    }
    nodes.clear();
    nodes.addAll(sorted);
  }

  private boolean isDefinedOutsideNodes(String value) {
    return initializers.containsKey(value) || isInput(value);
  }

  /** Names a sub-graph may read from its enclosing graph; a top-level graph has none. */
  private final Set<String> outerScope = new HashSet<>();

  public Set<String> outerScope() {
    return outerScope;
  }

  private boolean isOuterScope(String value) {
    return outerScope.contains(value);
  }

  /** Counts of each op type, for summaries. */
  public Map<String, Integer> opCounts() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (Node n : nodes) {
      counts.merge(n.opType(), 1, Integer::sum);
    }
    return counts;
  }

  /** Closes the initializers and every tensor-valued attribute. */
  @Override
  public void close() {
    initializers.values().forEach(Tensor::close);
    initializers.clear();
    for (Node n : nodes) {
      for (Attribute a : n.attributes().values()) {
        if (a.kind() == Attribute.Kind.TENSOR) {
          a.asTensor().close();
        } else if (a.kind() == Attribute.Kind.GRAPH) {
          a.asGraph().close();
        }
      }
    }
  }
}

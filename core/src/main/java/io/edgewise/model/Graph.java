package io.edgewise.model;

import io.edgewise.EdgewiseException;
import io.edgewise.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
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
  private final List<ValueInfo> inputs = new ArrayList<>();
  private final List<ValueInfo> outputs = new ArrayList<>();
  private final Map<String, ValueInfo> valueInfo = new LinkedHashMap<>();

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

  /** The node producing a value, or null for graph inputs, initializers and unknown names. */
  public Node producer(String value) {
    for (Node n : nodes) {
      if (n.outputs().contains(value)) {
        return n;
      }
    }
    return null;
  }

  /** The nodes reading a value, in order. */
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
    for (ValueInfo in : inputs) {
      if (in.name().equals(value)) {
        return in;
      }
    }
    for (ValueInfo out : outputs) {
      if (out.name().equals(value)) {
        return out;
      }
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
    List<Node> sorted = new ArrayList<>(nodes.size());
    Set<String> ready = new HashSet<>(available);
    Deque<Node> pending = new ArrayDeque<>(nodes);
    boolean progress = true;
    while (!pending.isEmpty() && progress) {
      progress = false;
      int count = pending.size();
      for (int k = 0; k < count; k++) {
        Node n = pending.poll();
        boolean inputsReady = n.inputs().stream()
            .allMatch(x -> ready.contains(x) || isOuterScope(x) && !producers.containsKey(x));
        if (inputsReady) {
          sorted.add(n);
          ready.addAll(n.outputs());
          progress = true;
        } else {
          pending.add(n);
        }
      }
    }
    if (!pending.isEmpty()) {
      throw EdgewiseException.invalidModel("graph '" + name + "' has a cycle through " + pending.peek().describe());
    }
    nodes.clear();
    nodes.addAll(sorted);
  }

  private boolean isDefinedOutsideNodes(String value) {
    return initializers.containsKey(value) || inputs.stream().anyMatch(v -> v.name().equals(value));
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

package io.edgewise.train;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import io.edgewise.train.ops.OpCall;
import io.edgewise.train.ops.OpGradient;
import io.edgewise.train.ops.OpGradients;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A graph made trainable: its float initializers copied to the heap as parameters, forward passes that keep what the
 * backward pass needs (and drop the rest as soon as its last reader ran), and reverse-mode differentiation to the
 * trainable parameters. Nodes none of whose parameters train are frozen: they run as in inference (batch
 * normalization on its running statistics) and are differentiated only where a trainable node lies upstream.
 */
public final class TrainGraph {
  private final List<Node> nodes;
  private final List<OpGradient> ops = new ArrayList<>();
  private final int opset;
  private final TrainingKernels kernels;
  private final Map<String, HeapTensor> parameters = new LinkedHashMap<>();
  private final Map<String, long[]> intConstants = new HashMap<>();
  private final Set<String> trainable;
  private final Set<String> requiresGrad = new HashSet<>();
  private final boolean[] active;
  private final boolean[] frozen;
  private final Map<String, Integer> lastUse = new HashMap<>();
  private final Set<String> keptForBackward = new HashSet<>();
  private final List<String> outputs;

  /**
   * @param trainable initializer names the optimizer updates (each must feed a parameter input of some node)
   * @param differentiableInputs graph inputs whose gradient {@link #backward} should also return (gradient checks)
   */
  public TrainGraph(Graph graph, int opset, TrainingKernels kernels, Set<String> trainable,
      Set<String> differentiableInputs) {
    this.nodes = graph.nodes().stream().filter(n -> !isConstantNode(n)).toList();
    this.opset = opset;
    this.kernels = kernels;
    this.outputs = graph.outputNames();
    for (Map.Entry<String, Tensor> e : graph.initializers().entrySet()) {
      Tensor t = e.getValue();
      if (t.dtype() == DType.FLOAT32 || t.dtype() == DType.FLOAT64 || t.dtype() == DType.FLOAT16) {
        parameters.put(e.getKey(), new HeapTensor(t.toFloatArray(), t.shape().intDims()));
      } else if (t.dtype().isInteger()) {
        intConstants.put(e.getKey(), t.toLongArray());
      }
    }
    for (Node n : graph.nodes()) {
      if (isConstantNode(n)) {
        addConstant(n);
      }
    }
    for (String name : trainable) {
      if (!parameters.containsKey(name)) {
        throw EdgewiseException.invalidArgument("trainable parameter '" + name + "' is not a float initializer of "
            + "graph '" + graph.name() + "'");
      }
    }
    this.trainable = Set.copyOf(trainable);
    requiresGrad.addAll(trainable);
    requiresGrad.addAll(differentiableInputs);
    active = new boolean[nodes.size()];
    frozen = new boolean[nodes.size()];
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      ops.add(OpGradients.of(n));
      boolean anyTrainable = false;
      for (int j = 0; j < n.inputs().size(); j++) {
        anyTrainable |= trainable.contains(n.input(j)) && OpGradients.isParameterInput(n, j);
        lastUse.put(n.input(j), i);
      }
      frozen[i] = !anyTrainable;
      active[i] = n.inputs().stream().anyMatch(requiresGrad::contains);
      if (active[i]) {
        n.outputs().stream().filter(o -> !o.isEmpty()).forEach(requiresGrad::add);
        keptForBackward.addAll(n.inputs());
      }
    }
  }

  /** Constant nodes (exporters write Clip's bounds and shapes that way) become constants of the graph. */
  private static boolean isConstantNode(Node n) {
    return n.opType().equals("Constant") && n.domain().isEmpty();
  }

  private void addConstant(Node n) {
    String out = n.output(0);
    if (n.hasAttr("value")) {
      Tensor t = n.attr("value").asTensor();
      if (t.dtype().isFloatingPoint()) {
        parameters.put(out, new HeapTensor(t.toFloatArray(), t.shape().intDims()));
      } else {
        intConstants.put(out, t.toLongArray());
      }
    } else if (n.hasAttr("value_float")) {
      parameters.put(out, new HeapTensor(new float[] {n.attrFloat("value_float", 0)}, new int[0]));
    } else if (n.hasAttr("value_floats")) {
      float[] v = n.attrFloats("value_floats", new float[0]);
      parameters.put(out, new HeapTensor(v, new int[] {v.length}));
    } else if (n.hasAttr("value_int")) {
      intConstants.put(out, new long[] {n.attrInt("value_int", 0)});
    } else if (n.hasAttr("value_ints")) {
      intConstants.put(out, n.attrInts("value_ints", new long[0]));
    } else {
      throw EdgewiseException.notImplemented(n.describe() + ": only value, value_float(s) and value_int(s) constants "
          + "are supported in training");
    }
  }

  /**
   * The values an active node (one a gradient flows through) reads from the frozen part of the graph: graph inputs
   * and outputs of inactive nodes. Inactive nodes are pure functions of the graph inputs (their parameters are fixed
   * and their batch normalizations use running statistics), so these values can be computed once per sample and
   * reused every epoch ({@link #frozenFeatures}, {@link #forwardFromFrozen}).
   */
  public List<String> frozenFrontier() {
    Set<String> producedByActive = new HashSet<>();
    List<String> frontier = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (active[i]) {
        nodes.get(i).outputs().forEach(producedByActive::add);
      }
    }
    for (int i = 0; i < nodes.size(); i++) {
      if (!active[i]) {
        continue;
      }
      for (String in : nodes.get(i).inputs()) {
        if (!in.isEmpty() && !producedByActive.contains(in) && !parameters.containsKey(in)
            && !intConstants.containsKey(in) && !frontier.contains(in)) {
          frontier.add(in);
        }
      }
    }
    return frontier;
  }

  /** Runs only the inactive nodes (inference semantics) and returns the frontier values. */
  public Map<String, HeapTensor> frozenFeatures(Map<String, HeapTensor> inputs) {
    List<String> frontier = frozenFrontier();
    Map<String, HeapTensor> values = new HashMap<>(parameters);
    values.putAll(inputs);
    Map<String, Integer> lastInactiveUse = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (!active[i]) {
        for (String in : nodes.get(i).inputs()) {
          lastInactiveUse.put(in, i);
        }
      }
    }
    for (int i = 0; i < nodes.size(); i++) {
      if (!active[i]) {
        runNode(i, values, false, false);
        for (String in : nodes.get(i).inputs()) {
          if (lastInactiveUse.get(in) == i && !frontier.contains(in) && !parameters.containsKey(in)) {
            values.remove(in);  // keeps the peak at a few activations, not the whole frozen part's
          }
        }
      }
    }
    Map<String, HeapTensor> out = new LinkedHashMap<>();
    for (String name : frontier) {
      out.put(name, values.get(name));
    }
    return out;
  }

  /**
   * A training pass given the frontier values (from {@link #frozenFeatures}): only the active nodes run. Equivalent
   * to {@link #forward} with training = true on the inputs the features were computed from.
   */
  public Pass forwardFromFrozen(Map<String, HeapTensor> frontierValues, boolean updateRunningStats) {
    Pass pass = new Pass(nodes.size(), true);
    pass.values.putAll(parameters);
    pass.values.putAll(frontierValues);
    for (int i = 0; i < nodes.size(); i++) {
      if (active[i]) {
        pass.forwards[i] = runNode(i, pass.values, true, updateRunningStats);
      }
    }
    return pass;
  }

  private OpGradient.Forward runNode(int i, Map<String, HeapTensor> values, boolean training,
      boolean updateRunningStats) {
    Node n = nodes.get(i);
    HeapTensor[] in = new HeapTensor[n.inputs().size()];
    for (int j = 0; j < in.length; j++) {
      String name = n.input(j);
      if (name.isEmpty() || intConstants.containsKey(name)) {
        continue;
      }
      in[j] = values.get(name);
      if (in[j] == null) {
        throw EdgewiseException.invalidArgument(n.describe() + " input '" + name + "' has no value (missing graph "
            + "input?)");
      }
    }
    OpCall call = new OpCall(n, opset, kernels, training && !frozen[i], updateRunningStats, intConstants);
    OpGradient.Forward f = ops.get(i).forward(call, in);
    for (int j = 0; j < f.outputs().length && j < n.outputs().size(); j++) {
      if (!n.output(j).isEmpty()) {
        values.put(n.output(j), f.outputs()[j]);
      }
    }
    return f;
  }

  /** Every float initializer by name (trainable parameters, running statistics, constants); live, not copies. */
  public Map<String, HeapTensor> parameters() {
    return parameters;
  }

  public Set<String> trainable() {
    return trainable;
  }

  /** What training changes: the trainable parameters and the running statistics of batch norms that train. */
  public Set<String> mutableParameters() {
    Set<String> out = new java.util.TreeSet<>(trainable);
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      if (!frozen[i] && n.opType().equals("BatchNormalization")) {
        for (int j = 3; j <= 4; j++) {
          if (parameters.containsKey(n.input(j))) {
            out.add(n.input(j));
          }
        }
      }
    }
    return out;
  }

  public TrainingKernels kernels() {
    return kernels;
  }

  /** Whether the node at this position runs frozen (inference semantics, no parameter updates). */
  public boolean isFrozen(int nodeIndex) {
    return frozen[nodeIndex];
  }

  public List<Node> nodes() {
    return nodes;
  }

  /** The values and saved state of one forward pass, consumed by {@link #backward}. */
  public static final class Pass {
    final Map<String, HeapTensor> values = new HashMap<>();
    final OpGradient.Forward[] forwards;
    final boolean training;

    Pass(int nodes, boolean training) {
      this.forwards = new OpGradient.Forward[nodes];
      this.training = training;
    }

    public HeapTensor value(String name) {
      HeapTensor v = values.get(name);
      if (v == null) {
        throw EdgewiseException.invalidArgument("value '" + name + "' was not kept by this pass");
      }
      return v;
    }
  }

  /**
   * Runs the graph. training = true: unfrozen batch normalizations use (and update, when updateRunningStats) batch
   * statistics, and everything the backward pass needs is kept. training = false: inference semantics, nothing kept
   * beyond the graph outputs.
   */
  public Pass forward(Map<String, HeapTensor> inputs, boolean training, boolean updateRunningStats) {
    Pass pass = new Pass(nodes.size(), training);
    pass.values.putAll(parameters);
    pass.values.putAll(inputs);
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      OpGradient.Forward f = runNode(i, pass.values, training, updateRunningStats);
      if (training && active[i]) {
        pass.forwards[i] = f;
      }
      for (String name : n.inputs()) {
        boolean needed = training && keptForBackward.contains(name);
        if (lastUse.get(name) == i && !needed && !outputs.contains(name) && !parameters.containsKey(name)) {
          pass.values.remove(name);
        }
      }
    }
    return pass;
  }

  /**
   * Reverse-mode differentiation of a training pass, seeded with the gradient of each named output. Returns the
   * gradients of the trainable parameters (and of the differentiable inputs), by name.
   */
  public Map<String, HeapTensor> backward(Pass pass, Map<String, HeapTensor> outputGradients) {
    if (!pass.training) {
      throw EdgewiseException.invalidArgument("backward needs a forward pass run with training = true");
    }
    Map<String, HeapTensor> grads = new HashMap<>(outputGradients);
    for (int i = nodes.size() - 1; i >= 0; i--) {
      if (!active[i]) {
        continue;
      }
      Node n = nodes.get(i);
      HeapTensor[] dOut = new HeapTensor[n.outputs().size()];
      boolean any = false;
      for (int j = 0; j < dOut.length; j++) {
        dOut[j] = grads.remove(n.output(j));
        any |= dOut[j] != null;
      }
      if (!any) {
        continue;
      }
      HeapTensor[] in = new HeapTensor[n.inputs().size()];
      boolean[] wanted = new boolean[in.length];
      for (int j = 0; j < in.length; j++) {
        String name = n.input(j);
        in[j] = name.isEmpty() ? null : pass.values.get(name);
        wanted[j] = requiresGrad.contains(name) && (!parameters.containsKey(name) || trainable.contains(name));
      }
      OpCall call = new OpCall(n, opset, kernels, pass.training && !frozen[i], false, intConstants);
      HeapTensor[] dIn = ops.get(i).backward(call, in, pass.forwards[i], dOut, wanted);
      for (int j = 0; j < in.length; j++) {
        if (wanted[j] && dIn[j] != null) {
          grads.merge(n.input(j), dIn[j], TrainGraph::sum);
        }
      }
    }
    grads.keySet().retainAll(requiresGradLeaves());
    return grads;
  }

  private Set<String> requiresGradLeaves() {
    Set<String> leaves = new HashSet<>(requiresGrad);
    for (Node n : nodes) {
      n.outputs().forEach(leaves::remove);
    }
    return leaves;
  }

  private static HeapTensor sum(HeapTensor a, HeapTensor b) {
    HeapTensor out = HeapTensor.zeros(a.shape());
    for (int i = 0; i < out.size(); i++) {
      out.data()[i] = a.data()[i] + b.data()[i];
    }
    return out;
  }
}

package io.edgewise.backend.exec;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Executable;
import io.edgewise.backend.NodePlacement;
import io.edgewise.backend.OpProfile;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.tensor.MemoryPool;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorScope;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The graph interpreter every device runs on: node by node, each through its kernel in an {@link OpRegistry} (the
 * reference kernels, or a device's overlay of them), recording where each node ran ({@link Placements}). Intermediate tensors are closed as soon as their last reader has run, so peak
 * memory follows the graph's live set; every run keeps its own value table, so concurrent runs are safe.
 */
public final class GraphInterpreter implements Executable {
  private final Graph graph;
  private final int opset;
  private final BackendOptions options;
  private final OpRegistry.Entry[] kernels;
  private final Placements placements;
  /**
   * The values a run produces live in an array, one slot per value name (a map from names was a hash look-up per
   * input and per output of every node, every run): node i reads slots {@code inSlots[i]} (-1: an omitted input),
   * writes {@code outSlots[i]} (-1: an output it is not asked for), and is the last reader of {@code deadSlots[i]}
   * (closed right after it runs). Names no node produces (graph inputs, initializers) are looked up by name.
   */
  private final int[][] inSlots;
  private final int[][] outSlots;
  private final int[][] deadSlots;
  /** The name of each slot, and whether a node produces it (else it is borrowed: a graph input or an initializer). */
  private final String[] slotNames;
  private final boolean[] produced;
  private final List<String> outputNames;
  private final int[] outputSlots;
  private final OpProfile profile = new OpProfile();
  /** Per node: its kernel's context and its profile counter, made once (they were made on every run). */
  private final OpContext[] contexts;
  private final OpProfile.Counter[] counters;
  /** Tensor memory recycled across runs: steady-state inference allocates no native memory. */
  private final MemoryPool memory = new MemoryPool(MAX_POOLED_BYTES);
  private static final long MAX_POOLED_BYTES = 1L << 30;
  /** The shape arithmetic evaluated once per input shape, or null (not asked for, or the graph has none). */
  private final ShapeFolds folds;
  /** Node i may be folded (its outputs depend only on the input shapes); null when {@link #folds} is. */
  private final boolean[] foldable;
  /** The outputs of the foldable nodes: a node is folded only when the ones it reads were. */
  private final Set<String> foldableOutputs = new HashSet<>();

  /** Interprets the model's graph with the given kernels (the reference ones, or another backend's overlay). */
  public GraphInterpreter(Model model, OpRegistry registry, BackendOptions options) {
    this(model, registry, options, new boolean[0]);
  }

  /**
   * As {@link #GraphInterpreter(Model, OpRegistry, BackendOptions)}, folding the shape arithmetic per input shape:
   * node i with {@code shapeDetermined[i]} (its outputs depend only on the graph inputs' shapes and on initializers,
   * as io.edgewise.model.passes.ShapeSubgraphs finds: a head's Shape, Gather, Cast, Concat, a Reshape's shape) runs on
   * the first run of each input shape only, which runs outside the memory pool and keeps its values; later runs of
   * that shape skip it and read them. A shorter array leaves the nodes past its end unfolded.
   */
  public GraphInterpreter(Model model, OpRegistry registry, BackendOptions options, boolean[] shapeDetermined) {
    this.graph = model.graph();
    this.opset = model.opset();
    this.options = options;
    List<Node> nodes = graph.nodes();
    this.kernels = new OpRegistry.Entry[nodes.size()];
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      kernels[i] = registry.get(n.domain(), n.opType());
      if (kernels[i] == null) {
        throw EdgewiseException.notImplemented(model.label() + ": " + n.describe() + " has no kernel");
      }
    }
    this.placements = new Placements(nodes,
        java.util.Arrays.stream(kernels).map(OpRegistry.Entry::device).toList(), registry.device());
    this.contexts = new OpContext[nodes.size()];
    this.counters = new OpProfile.Counter[nodes.size()];
    for (int i = 0; i < nodes.size(); i++) {
      contexts[i] = new OpContext(nodes.get(i), opset, options, placements, i);
      counters[i] = profile.counter(nodes.get(i).opType(), nodes.get(i).output(0));
    }
    this.outputNames = graph.outputNames();
    Map<String, Integer> slotOf = new HashMap<>();
    List<String> names = new java.util.ArrayList<>();
    this.inSlots = new int[nodes.size()][];
    this.outSlots = new int[nodes.size()][];
    for (int i = 0; i < nodes.size(); i++) {
      inSlots[i] = slots(nodes.get(i).inputs(), slotOf, names);
      outSlots[i] = slots(nodes.get(i).outputs(), slotOf, names);
    }
    this.outputSlots = slots(outputNames, slotOf, names);
    this.slotNames = names.toArray(new String[0]);
    this.produced = new boolean[slotNames.length];
    for (int[] outs : outSlots) {
      for (int slot : outs) {
        if (slot >= 0) {
          produced[slot] = true;
        }
      }
    }
    this.deadSlots = new int[nodes.size()][];
    List<List<String>> lastUse = computeLastUse(nodes, new HashSet<>(outputNames));
    for (int i = 0; i < nodes.size(); i++) {
      deadSlots[i] = lastUse.get(i).stream().mapToInt(slotOf::get).toArray();
    }
    boolean[] shapeArithmetic = java.util.Arrays.copyOf(shapeDetermined, nodes.size());
    for (int i = 0; i < shapeArithmetic.length; i++) {
      if (shapeArithmetic[i]) {
        foldableOutputs.addAll(nodes.get(i).outputs());
      }
    }
    foldableOutputs.remove("");
    this.foldable = foldableOutputs.isEmpty() ? null : shapeArithmetic;
    this.folds = foldableOutputs.isEmpty() ? null : new ShapeFolds();
  }

  /** The slots of these value names ("" is -1), numbering names not seen before. */
  private static int[] slots(List<String> valueNames, Map<String, Integer> slotOf, List<String> names) {
    int[] out = new int[valueNames.size()];
    for (int k = 0; k < out.length; k++) {
      String name = valueNames.get(k);
      if (name.isEmpty()) {
        out[k] = -1;
      } else {
        out[k] = slotOf.computeIfAbsent(name, n -> {
          names.add(n);
          return names.size() - 1;
        });
      }
    }
    return out;
  }

  private static List<List<String>> computeLastUse(List<Node> nodes, Set<String> keep) {
    Map<String, Integer> last = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      for (String in : nodes.get(i).inputs()) {
        last.put(in, i);
      }
      for (String out : nodes.get(i).outputs()) {
        last.putIfAbsent(out, i);  // produced but never read: free right after
      }
    }
    List<List<String>> perNode = new java.util.ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      perNode.add(new java.util.ArrayList<>());
    }
    last.forEach((value, index) -> {
      if (!keep.contains(value) && !value.isEmpty()) {
        perNode.get(index).add(value);
      }
    });
    return perNode;
  }

  @Override
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    // Values this run produced (owned, closed when dead); inputs and initializers are only borrowed (looked up in
    // place: a copy of the initializer table per run was most of what a run allocated on the Java heap)
    Tensor[] owned = new Tensor[slotNames.length];
    Object key = shapeKey(inputs);
    ShapeFolds.Entry folded = folds == null ? null : folds.acquire(key);
    if (folds != null && folded == null) {
      return capture(key, inputs, owned);
    }
    try (MemoryPool.Use pooled = memory.use(key)) {
      try {
        return runNodes(inputs, owned, folded, false);
      } finally {
        closeAll(owned);  // inside the pool's scope: every arena tensor of the run is back when the scope closes
      }
    } finally {
      if (folded != null) {
        folds.release(folded);
      }
    }
  }

  /**
   * The first run of an input shape when the graph has shape arithmetic: every node runs, and the foldable ones whose
   * outputs are small keep them for the later runs of this shape. Outside the memory pool: its later runs allocate
   * without those nodes, and the pool plans from runs that allocate alike.
   */
  private Map<String, Tensor> capture(Object key, Map<String, Tensor> inputs, Tensor[] owned) {
    ShapeFolds.Entry entry = new ShapeFolds.Entry(graph.nodes().size());
    boolean published = false;
    try {
      Map<String, Tensor> outputs = runNodes(inputs, owned, entry, true);
      folds.publish(key, entry);
      published = true;
      return outputs;
    } finally {
      closeAll(owned);
      if (!published) {
        entry.closeValues();
      }
    }
  }

  /**
   * The kind of a run for the memory pool's plans: the fed inputs' shapes in the graph's input order (a session fed
   * inputs of a few shapes keeps a plan for each). A loop into one array: this runs on every run.
   */
  private Object shapeKey(Map<String, Tensor> inputs) {
    List<ValueInfo> declared = graph.inputs();
    int n = 0;
    for (ValueInfo v : declared) {
      Tensor t = inputs.get(v.name());
      n += 1 + (t == null ? 0 : t.shape().rank());
    }
    long[] key = new long[n];
    int at = 0;
    for (ValueInfo v : declared) {
      Tensor t = inputs.get(v.name());
      key[at++] = t == null ? -1 : t.shape().rank();
      for (int i = 0; t != null && i < t.shape().rank(); i++) {
        key[at++] = t.shape().dim(i);
      }
    }
    return new ShapeKey(key);
  }

  /** Input shapes as a key: equal when the dimensions are. */
  private record ShapeKey(long[] dims) {
    @Override
    public boolean equals(Object o) {
      return o instanceof ShapeKey k && java.util.Arrays.equals(dims, k.dims);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(dims);
    }
  }

  /** A value not produced by this run: a graph input (fed), else an initializer (an input may override one). */
  private Tensor borrowed(Map<String, Tensor> inputs, String name) {
    Tensor t = inputs.get(name);
    return t != null ? t : graph.initializers().get(name);
  }

  /**
   * Runs the nodes. With {@code folded} (this input shape's folded nodes) and not {@code capturing}, its nodes are
   * skipped and their values read from it; while {@code capturing}, the foldable nodes' small outputs go into it.
   * {@code owned} holds the values this run produced, by slot (closed when dead).
   */
  private Map<String, Tensor> runNodes(Map<String, Tensor> inputs, Tensor[] owned, ShapeFolds.Entry folded,
      boolean capturing) {
    try {
      List<Node> nodes = graph.nodes();
      for (int i = 0; i < nodes.size(); i++) {
        if (folded == null || capturing || !folded.skip[i]) {
          runAndStore(i, nodes.get(i), inputs, owned, folded, capturing);
        }
        for (int dead : deadSlots[i]) {
          Tensor t = owned[dead];
          if (t != null) {
            owned[dead] = null;
            t.close();
          }
        }
      }
      Map<String, Tensor> outputs = new LinkedHashMap<>();
      for (int k = 0; k < outputSlots.length; k++) {
        String name = outputNames.get(k);
        Tensor t = outputSlots[k] < 0 ? null : owned[outputSlots[k]];
        if (t != null) {
          owned[outputSlots[k]] = null;
        }
        if (t == null) {
          Tensor source = outputSlots[k] < 0 ? null : borrowed(inputs, name);
          if (source == null && folded != null) {
            source = folded.values.get(name);  // a folded value that is a graph output
          }
          if (source == null) {
            throw EdgewiseException.invalidModel("graph output '" + name + "' is never produced");
          }
          t = source.copy();  // an input or initializer passed straight through: give the caller its own copy
        } else if (t.sharesMemory()) {
          // a view (Reshape on cpu) of an input, an initializer or another output: the caller owns what it gets and
          // may write it, so it gets memory of its own
          Tensor own = t.copy();
          t.close();
          t = own;
        }
        outputs.put(name, t);
      }
      return outputs;
    } catch (RuntimeException | Error e) {
      memory.runFailed();  // a partial run says nothing about the memory plan
      throw e;
    }
  }

  /** Runs node i on its inputs' values and stores its results (or keeps them in {@code folded}, capturing). */
  private void runAndStore(int i, Node node, Map<String, Tensor> inputs, Tensor[] owned, ShapeFolds.Entry folded,
      boolean capturing) {
    int[] in = inSlots[i];
    Tensor[] args = new Tensor[in.length];
    for (int k = 0; k < args.length; k++) {
      int slot = in[k];
      if (slot >= 0) {
        Tensor t = owned[slot];
        if (t == null) {
          String name = slotNames[slot];
          if (produced[slot] && folded != null) {
            t = folded.values.get(name);
          }
          if (t == null) {
            t = borrowed(inputs, name);
          }
          if (t == null) {
            throw EdgewiseException.invalidArgument(node.describe() + " input[" + k + "] '" + name
                + "' has no value (was the graph input fed?)");
          }
        }
        args[k] = t;
      }
    }
    Tensor[] results = runNode(i, node, args);
    if (capturing && keep(i, node, results, folded)) {
      return;
    }
    int[] out = outSlots[i];
    for (int k = 0; k < out.length; k++) {
      Tensor r = k < results.length ? results[k] : null;
      if (out[k] < 0) {
        if (r != null) {
          r.close();
        }
      } else if (r == null) {
        closeAll(results);
        throw EdgewiseException.invalidModel(node.describe() + " produces no output[" + k + "] '" + node.output(k)
            + "' with these attributes and inputs");
      } else {
        Tensor previous = owned[out[k]];
        owned[out[k]] = r;
        if (previous != null && previous != r) {
          previous.close();
        }
      }
    }
    for (int k = out.length; k < results.length; k++) {
      if (results[k] != null) {
        results[k].close();
      }
    }
  }

  /**
   * While capturing: keeps a foldable node's results in the entry (its outputs then live there, not in the run's
   * table) when every foldable value it reads was kept and each result is small; false (the run stores them as
   * usual) otherwise.
   */
  private boolean keep(int i, Node node, Tensor[] results, ShapeFolds.Entry entry) {
    if (!foldable[i] || results.length < node.outputs().size()) {
      return false;
    }
    for (String in : node.inputs()) {
      if (foldableOutputs.contains(in) && !entry.values.containsKey(in)) {
        return false;
      }
    }
    for (int k = 0; k < node.outputs().size(); k++) {
      if (results[k] == null || results[k].size() > ShapeFolds.MAX_ELEMENTS) {
        return false;
      }
    }
    for (int k = 0; k < results.length; k++) {
      if (k < node.outputs().size() && !node.output(k).isEmpty()) {
        entry.values.put(node.output(k), results[k]);
      } else if (results[k] != null) {
        results[k].close();
      }
    }
    entry.skip[i] = true;
    return true;
  }

  @Override
  public void close() {
    if (folds != null) {
      folds.close();
    }
    memory.close();
  }

  @Override
  public List<NodePlacement> placement() {
    return placements.snapshot();
  }

  @Override
  public OpProfile profile() {
    return profile;
  }

  /** Closes what is open (the run's values at its end; results not yet stored after a failure part-way). */
  private static void closeAll(Tensor[] results) {
    for (Tensor t : results) {
      if (t != null && !t.isClosed()) {
        t.close();
      }
    }
  }

  private Tensor[] runNode(int index, Node node, Tensor[] args) {
    long start = System.nanoTime();
    try (TensorScope scope = TensorScope.open()) {
      Tensor[] results = kernels[index].compute(contexts[index], args);
      scope.keep(results);  // everything else the kernel allocated is closed with the scope
      counters[index].add(System.nanoTime() - start);
      return results;
    } catch (EdgewiseException e) {
      // errors from shared helpers (Shape, Broadcast) do not know the node: name it for them
      String message = e.getMessage().replaceFirst("^\\[\\w+\\] ", "");
      throw message.contains(node.describe()) ? e : new EdgewiseException(e.code(), node.describe() + ": " + message, e);
    } catch (OutOfMemoryError e) {
      // a huge (often corrupt) shape: the failed allocation left nothing behind, so the session stays usable
      throw new EdgewiseException(EdgewiseException.ErrorCode.RESOURCE_EXHAUSTED, node.describe()
          + " needs more memory than the JVM has: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      // a kernel tripped over an input it did not validate: report it against the node, never as a crash
      throw new EdgewiseException(EdgewiseException.ErrorCode.INVALID_ARGUMENT, node.describe() + " failed: " + e,
          e);
    }
  }
}

package io.edgewise.reuse;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.model.shapes.ShapeInference;
import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cuts a model at a tap point into a head (inputs to the tap tensor) and a tail (the tap tensor to the outputs),
 * so that a session can compute up to the tap, look up, and skip the tail on a hit. Each part is its own model,
 * loaded from the file separately so that each owns its initializers. The tap must be a cut: no value the head
 * computes other than the tap may be read by the tail.
 *
 * @param head null when the tap is a model input (nothing to compute before the lookup)
 * @param tap the tap tensor's name
 * @param tailInputs the inputs of the tail: the tap plus any model inputs it reads directly
 */
public record TapSplit(Model head, Model tail, String tap, List<String> tailInputs, String contentHash)
    implements AutoCloseable {

  /** Splits the model file at {@code tap} ("" for its single input). */
  public static TapSplit of(Path modelFile, String tap) {
    Model probe = OnnxImporter.load(modelFile);
    String hash = probe.contentHash();
    List<String> inputs = probe.graph().inputNames();
    if (tap.isEmpty()) {
      if (inputs.size() != 1) {
        probe.close();
        throw EdgewiseException.invalidArgument(modelFile + ": the model has inputs " + inputs + "; name the reuse "
            + "tap point (an input or an intermediate tensor)");
      }
      tap = inputs.get(0);
    }
    if (inputs.contains(tap)) {
      return new TapSplit(null, probe, tap, inputs, hash);
    }
    Model head = null;
    Model tail = null;
    try {
      Set<Node> headNodes = closure(probe.graph(), tap, modelFile);
      ShapeInference.infer(probe);
      ValueInfo tapType = probe.graph().typeOf(tap);
      if (tapType == null || !tapType.isSupported()) {
        throw EdgewiseException.invalidArgument(modelFile + ": the type of tap point '" + tap + "' cannot be "
            + "inferred, so it cannot be a reuse tap");
      }
      // positions of the head's nodes in file order: both fresh copies list nodes in the same order
      List<Integer> headIdx = new ArrayList<>();
      for (int i = 0; i < probe.graph().nodes().size(); i++) {
        if (headNodes.contains(probe.graph().nodes().get(i))) {
          headIdx.add(i);
        }
      }
      Set<String> headProduced = new HashSet<>();
      headNodes.forEach(n -> headProduced.addAll(n.outputs()));
      for (int i = 0; i < probe.graph().nodes().size(); i++) {
        Node n = probe.graph().nodes().get(i);
        if (headNodes.contains(n)) {
          continue;
        }
        for (String in : n.inputs()) {
          if (!in.equals(tap) && headProduced.contains(in)) {
            throw EdgewiseException.invalidArgument(modelFile + ": tap point '" + tap + "' is not a cut of the graph: "
                + n.describe() + " also reads '" + in + "', computed before the tap");
          }
        }
      }
      for (ValueInfo out : probe.graph().outputs()) {
        if (headProduced.contains(out.name())) {
          throw EdgewiseException.invalidArgument(modelFile + ": tap point '" + tap + "' comes after the model "
              + "output '" + out.name() + "'; a tap must precede every output");
        }
      }
      probe.close();
      probe = null;

      head = OnnxImporter.load(modelFile);
      keepNodes(head.graph(), headIdx, true);
      head.graph().outputs().clear();
      head.graph().outputs().add(tapType.withName(tap));
      pruneInputsAndInitializers(head.graph());

      tail = OnnxImporter.load(modelFile);
      keepNodes(tail.graph(), headIdx, false);
      tail.graph().inputs().add(tapType.withName(tap));
      pruneInputsAndInitializers(tail.graph());
      List<String> tailInputs = tail.graph().inputNames();
      return new TapSplit(head, tail, tap, tailInputs, hash);
    } catch (RuntimeException e) {
      if (probe != null) {
        probe.close();
      }
      if (head != null) {
        head.close();
      }
      if (tail != null) {
        tail.close();
      }
      throw e;
    }
  }

  /** The nodes the tap depends on. */
  private static Set<Node> closure(Graph g, String tap, Path file) {
    if (g.producer(tap) == null) {
      throw EdgewiseException.invalidArgument(file + ": no node computes '" + tap + "' and it is no model input; "
          + "the reuse tap point must name a tensor of the graph");
    }
    Set<Node> nodes = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(tap));
    while (!todo.isEmpty()) {
      Node n = g.producer(todo.pop());
      if (n != null && nodes.add(n)) {
        n.inputs().stream().filter(s -> !s.isEmpty()).forEach(todo::push);
      }
    }
    return nodes;
  }

  /** Keeps (or drops) the nodes at the given file-order positions; a dropped node's tensor attributes close. */
  private static void keepNodes(Graph g, List<Integer> positions, boolean keep) {
    Set<Integer> pos = new HashSet<>(positions);
    List<Node> kept = new ArrayList<>();
    List<Node> dropped = new ArrayList<>();
    for (int i = 0; i < g.nodes().size(); i++) {
      (pos.contains(i) == keep ? kept : dropped).add(g.nodes().get(i));
    }
    g.nodes().clear();
    g.nodes().addAll(kept);
    for (Node n : dropped) {
      n.attributes().values().forEach(a -> {
        if (a.kind() == io.edgewise.model.Attribute.Kind.TENSOR) {
          a.asTensor().close();
        } else if (a.kind() == io.edgewise.model.Attribute.Kind.GRAPH) {
          a.asGraph().close();
        }
      });
    }
  }

  /** Drops graph inputs and initializers no remaining node reads (closing the initializers). */
  private static void pruneInputsAndInitializers(Graph g) {
    Set<String> read = new HashSet<>();
    g.nodes().forEach(n -> read.addAll(n.inputs()));
    g.outputs().forEach(o -> read.add(o.name()));
    g.inputs().removeIf(v -> !read.contains(v.name()));
    Iterator<Map.Entry<String, Tensor>> it = g.initializers().entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Tensor> e = it.next();
      if (!read.contains(e.getKey())) {
        e.getValue().close();
        it.remove();
      }
    }
  }

  @Override
  public void close() {
    if (head != null) {
      head.close();
    }
    tail.close();
  }
}

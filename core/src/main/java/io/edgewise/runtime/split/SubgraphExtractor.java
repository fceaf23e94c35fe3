package io.edgewise.runtime.split;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cuts a self-contained model out of a larger one: the nodes needed to compute some values from others. The
 * result owns copies of the initializers and tensor attributes it uses, so it can be closed independently of the
 * source. Shape inference must have run on the source (CutPointFinder does it) so that every new graph input has
 * a declared type.
 */
public final class SubgraphExtractor {
  private SubgraphExtractor() {}

  /** The device's part: what computes the cut's crossing values that are not graph inputs. */
  public static Model prefix(Model model, CutPoint cut) {
    List<String> computed = new ArrayList<>();
    for (String v : cut.tensors()) {
      if (!model.graph().inputNames().contains(v)) {
        computed.add(v);
      }
    }
    return extract(model, model.graph().inputNames(), computed, "prefix@" + cut.position());
  }

  /** The peer's part: the model's outputs (or the given ones) computed from the crossing values. */
  public static Model suffix(Model model, Collection<String> provided, List<String> outputs) {
    return extract(model, provided, outputs.isEmpty() ? model.graph().outputNames() : outputs, "suffix");
  }

  /**
   * The model computing {@code outputs} from {@code provided} (plus the source's initializers). Outputs that are
   * themselves provided are not recomputed and must be passed through by the caller; at least one output must need
   * computing. Fails with INVALID_ARGUMENT naming the value and node when a needed value is not provided.
   */
  public static Model extract(Model model, Collection<String> provided, List<String> outputs, String name) {
    Graph src = model.graph();
    Set<String> given = new HashSet<>(provided);
    Map<String, Node> producer = new HashMap<>();
    for (Node n : src.nodes()) {
      n.outputs().forEach(o -> producer.put(o, n));
    }
    Set<Node> needed = new HashSet<>();
    Set<String> usedInputs = new HashSet<>();
    Deque<String> work = new ArrayDeque<>();
    List<String> computedOutputs = new ArrayList<>();
    for (String out : outputs) {
      if (!given.contains(out)) {
        computedOutputs.add(out);
        work.add(out);
      }
    }
    if (computedOutputs.isEmpty()) {
      throw EdgewiseException.invalidArgument(model.label() + ": nothing to compute: every requested output "
          + outputs + " is already provided");
    }
    Set<String> visited = new HashSet<>();
    while (!work.isEmpty()) {
      String v = work.pop();
      if (v.isEmpty() || !visited.add(v) || src.isInitializer(v)) {
        continue;
      }
      if (given.contains(v)) {
        usedInputs.add(v);
        continue;
      }
      Node p = producer.get(v);
      if (p == null) {
        throw EdgewiseException.invalidArgument(model.label() + ": value '" + v + "' is needed by " + name
            + " but is neither provided " + provided + " nor computable (it is a graph input of the model)");
      }
      if (needed.add(p)) {
        p.inputs().forEach(work::push);
      }
    }
    Graph g = new Graph(src.name() + ":" + name);
    Model result = new Model(g, model.opsetImports(), model.irVersion(), model.producerName(), null, null);
    try {
      for (Node n : src.nodes()) {
        if (needed.contains(n)) {
          g.nodes().add(copy(n));
          for (String in : n.inputs()) {
            if (src.isInitializer(in) && !g.initializers().containsKey(in)) {
              g.initializers().put(in, src.initializers().get(in).copy());
            }
          }
          for (String v : n.outputs()) {
            ValueInfo t = src.valueInfo().get(v);
            if (t != null) {
              g.valueInfo().put(v, t);
            }
          }
        }
      }
      for (String in : provided) {
        if (usedInputs.contains(in)) {
          g.inputs().add(declared(model, in));
        }
      }
      for (String out : computedOutputs) {
        g.outputs().add(declared(model, out));
      }
      g.sortTopologically();
      return result;
    } catch (RuntimeException e) {
      result.close();
      throw e;
    }
  }

  private static ValueInfo declared(Model model, String value) {
    ValueInfo t = model.graph().typeOf(value);
    if (t == null || !t.isSupported()) {
      throw EdgewiseException.invalidArgument(model.label() + ": value '" + value + "' has no known tensor type; "
          + "it cannot be a sub-model's input or output");
    }
    return t;
  }

  /** A node whose tensor attributes are copies (Graph.close closes them); graph attributes are refused. */
  private static Node copy(Node n) {
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    for (Attribute a : n.attributes().values()) {
      switch (a.kind()) {
        case TENSOR -> attrs.put(a.name(), Attribute.ofTensor(a.name(), a.asTensor().copy()));
        case GRAPH, GRAPHS, TENSORS -> throw EdgewiseException.notImplemented(n.describe() + ": attribute '"
            + a.name() + "' of kind " + a.kind() + " cannot be moved into a sub-model");
        default -> attrs.put(a.name(), a);
      }
    }
    return new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), attrs);
  }
}

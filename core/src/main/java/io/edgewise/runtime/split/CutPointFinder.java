package io.edgewise.runtime.split;

import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.shapes.ShapeInference;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Enumerates the valid cut points of a model's graph. Cutting the topological node order after k nodes is always
 * valid: every value crossing the cut is produced before it (or is a graph input) and read after it (or is a graph
 * output). Values computable from initializers alone (Constant nodes and what folds from them) never cross: the
 * side that needs them computes them. Shapes come from shape inference, so the bytes per cut are known before
 * anything runs.
 */
public final class CutPointFinder {
  private static final Set<String> CONV = Set.of("Conv", "FusedConv", "ConvTranspose", "QLinearConv", "ConvInteger");
  private static final Set<String> FC = Set.of("Gemm", "MatMul", "MatMulInteger", "QLinearMatMul");

  private CutPointFinder() {}

  /**
   * The cuts with at most maxCrossing crossing values, plus all-remote (position 0) and all-local (the node
   * count) always; positions whose crossing set repeats an earlier one are dropped.
   */
  public static List<CutPoint> find(Model model, int maxCrossing) {
    List<CutPoint> all = all(model);
    List<CutPoint> out = new ArrayList<>();
    Set<List<String>> seen = new HashSet<>();
    for (int i = 0; i < all.size(); i++) {
      CutPoint c = all.get(i);
      boolean end = i == 0 || i == all.size() - 1;
      if ((end || c.tensors().size() <= maxCrossing) && seen.add(c.tensors())) {
        out.add(c);
      }
    }
    return out;
  }

  /** Every position 0..n of the node order, with its crossing values, bytes and suffix profile. */
  public static List<CutPoint> all(Model model) {
    ShapeInference.infer(model);
    Graph g = model.graph();
    List<Node> nodes = g.nodes();
    int n = nodes.size();
    Set<String> constant = constantValues(g);
    // position after which each crossing candidate exists (-1: a graph input) and the last position reading it
    Map<String, Integer> produced = new LinkedHashMap<>();
    Map<String, Integer> lastRead = new HashMap<>();
    for (ValueInfo in : g.inputs()) {
      if (!g.isInitializer(in.name())) {
        produced.put(in.name(), -1);
      }
    }
    for (int i = 0; i < n; i++) {
      Node node = nodes.get(i);
      for (String v : node.inputs()) {
        if (produced.containsKey(v)) {
          lastRead.merge(v, i, Math::max);
        }
      }
      for (String v : node.outputs()) {
        if (!v.isEmpty() && !constant.contains(v)) {
          produced.put(v, i);
        }
      }
    }
    for (String out : g.outputNames()) {
      lastRead.put(out, n);
    }
    SuffixProfile[] suffix = new SuffixProfile[n + 1];
    suffix[n] = SuffixProfile.EMPTY;
    for (int i = n - 1; i >= 0; i--) {
      Node node = nodes.get(i);
      boolean isConstant = !node.outputs().isEmpty() && constant.contains(node.output(0));
      suffix[i] = isConstant ? suffix[i + 1] : suffix[i + 1].plus(profile(g, node));
    }
    List<CutPoint> cuts = new ArrayList<>(n + 1);
    for (int k = 0; k <= n; k++) {
      List<String> crossing = new ArrayList<>();
      long bytes = 0;
      for (Map.Entry<String, Integer> e : produced.entrySet()) {
        Integer last = lastRead.get(e.getKey());
        if (e.getValue() < k && last != null && last >= k) {
          crossing.add(e.getKey());
          long b = bytesOf(g, e.getKey());
          bytes = bytes < 0 || b < 0 ? -1 : bytes + b;
        }
      }
      cuts.add(new CutPoint(k, crossing, bytes, suffix[k]));
    }
    return cuts;
  }

  /** At most max cuts spread evenly over the list, always keeping the first and the last. */
  public static List<CutPoint> thin(List<CutPoint> cuts, int max) {
    if (cuts.size() <= max || max < 2) {
      return List.copyOf(cuts);
    }
    List<CutPoint> out = new ArrayList<>();
    for (int i = 0; i < max; i++) {
      int idx = (int) Math.round(i * (cuts.size() - 1) / (double) (max - 1));
      if (out.isEmpty() || out.get(out.size() - 1) != cuts.get(idx)) {
        out.add(cuts.get(idx));
      }
    }
    return out;
  }

  /** Values that depend on initializers only (Constant nodes and ops over them). */
  static Set<String> constantValues(Graph g) {
    Set<String> constant = new HashSet<>(g.initializers().keySet());
    Set<String> result = new HashSet<>();
    for (Node node : g.nodes()) {
      boolean allConstant = node.inputs().stream().allMatch(v -> v.isEmpty() || constant.contains(v));
      if (allConstant) {
        for (String v : node.outputs()) {
          if (!v.isEmpty()) {
            constant.add(v);
            result.add(v);
          }
        }
      }
    }
    return result;
  }

  static long bytesOf(Graph g, String value) {
    ValueInfo t = g.typeOf(value);
    Shape s = t == null || !t.isSupported() ? null : t.concreteShape();
    return s == null ? -1 : s.numElements() * t.dtype().byteSize();
  }

  private static SuffixProfile profile(Graph g, Node node) {
    long outElements = elements(g, node.output(0));
    if (CONV.contains(node.opType())) {
      Tensor w = g.initializers().get(node.input(node.opType().equals("QLinearConv") ? 3 : 1));
      long perOutput = w == null || w.shape().rank() == 0 || w.shape().dim(0) == 0 ? 0
          : w.size() / w.shape().dim(0);
      return new SuffixProfile(1, Math.max(0, outElements) * perOutput, 0, 0, 0, 0);
    }
    if (FC.contains(node.opType())) {
      ValueInfo a = g.typeOf(node.input(0));
      Shape as = a == null ? null : a.concreteShape();
      long k = 0;
      if (as != null && as.rank() >= 1) {
        boolean transA = node.opType().equals("Gemm") && node.attrInt("transA", 0) != 0;
        k = transA ? as.dim(0) : as.dim(as.rank() - 1);
      }
      return new SuffixProfile(0, 0, 1, Math.max(0, outElements) * k, 0, 0);
    }
    return new SuffixProfile(0, 0, 0, 0, 1, Math.max(0, outElements));
  }

  private static long elements(Graph g, String value) {
    ValueInfo t = value.isEmpty() ? null : g.typeOf(value);
    Shape s = t == null ? null : t.concreteShape();
    return s == null ? -1 : s.numElements();
  }
}

package io.edgewise.train.prune;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per prunable Conv, its output channels ordered by filter L1 norm, most important first. Convolutions whose outputs
 * must lose the same channels (the operands of a residual Add) share one order, ranked by the sum of their filters'
 * norms. The channels kept at ratio r are the first {@code total - floor(r * total)} of the order (at least one), so
 * the masks of ratios r1 < r2 taken from one ranking are nested: what r2 keeps, r1 keeps too. Ties go to the lower
 * channel index. Computing the ranking once and pruning several ratios from it is Mistify's shared step.
 */
public final class ChannelRanking {
  private final String signature;
  private final Map<String, int[]> orders = new LinkedHashMap<>();
  private final Map<String, List<String>> shared = new LinkedHashMap<>();
  private final Map<String, String> keptWhole = new LinkedHashMap<>();

  private ChannelRanking(String signature) {
    this.signature = signature;
  }

  /** Ranks the model's convolutions; reads the model only (the analysis runs on a copy). */
  public static ChannelRanking of(Model model) {
    try (Model copy = ChannelPruner.analysableCopy(model)) {
      return of(ChannelAnalysis.of(copy.graph()));
    }
  }

  static ChannelRanking of(ChannelAnalysis a) {
    ChannelRanking r = new ChannelRanking(a.signature());
    for (int root : a.roots()) {
      List<Node> members = a.members(root);
      List<String> names = members.stream().map(Node::label).toList();
      if (a.reason(root) != null) {
        names.forEach(n -> r.keptWhole.put(n, a.reason(root)));
        continue;
      }
      double[] score = new double[a.size(root)];
      for (Node conv : members) {
        double[] l1 = l1Norms(a.constant(conv.input(1)));
        for (int c = 0; c < score.length; c++) {
          score[c] += l1[c];
        }
      }
      Integer[] order = new Integer[score.length];
      for (int c = 0; c < order.length; c++) {
        order[c] = c;
      }
      Arrays.sort(order, (x, y) -> score[x] != score[y] ? Double.compare(score[y], score[x]) : Integer.compare(x, y));
      int[] o = Arrays.stream(order).mapToInt(Integer::intValue).toArray();
      for (String n : names) {
        r.orders.put(n, o);
        r.shared.put(n, names);
      }
    }
    for (ChannelAnalysis.ConvInfo c : a.convs().values()) {
      if (c.reason() != null) {
        r.keptWhole.put(c.node().label(), c.reason());
      }
    }
    return r;
  }

  /** Sum of |w| over each output channel's filter (weights [M, ...]). */
  static double[] l1Norms(Tensor w) {
    float[] v = w.toFloatArray();
    int m = (int) w.shape().dim(0);
    int per = v.length / m;
    double[] out = new double[m];
    for (int c = 0; c < m; c++) {
      for (int i = 0; i < per; i++) {
        out[c] += Math.abs(v[c * per + i]);
      }
    }
    return out;
  }

  /** How many of {@code total} channels ratio r removes: floor(r * total), leaving at least one. */
  public static int channelsToRemove(int total, double ratio) {
    ChannelPruner.checkRatio(ratio);
    return Math.min(total - 1, (int) Math.floor(ratio * total + 1e-9));
  }

  /** The convolutions that can lose output channels, in graph order (depthwise ones follow their producer). */
  public List<String> prunableConvs() {
    return List.copyOf(orders.keySet());
  }

  /** The convolutions kept whole, each with the reason. */
  public Map<String, String> keptWhole() {
    return Collections.unmodifiableMap(keptWhole);
  }

  /** The conv's output channels, most important first (its group's order). */
  public int[] order(String conv) {
    return lookup(conv).clone();
  }

  /** The convolutions that share the conv's mask (itself included). */
  public List<String> sharedWith(String conv) {
    lookup(conv);
    return shared.get(conv);
  }

  /** The output channels the conv keeps at this ratio, ascending. */
  public int[] keptChannels(String conv, double ratio) {
    int[] o = lookup(conv);
    int[] kept = Arrays.copyOf(o, o.length - channelsToRemove(o.length, ratio));
    Arrays.sort(kept);
    return kept;
  }

  /** What a graph must match for this ranking to apply to it: conv weights' shapes and the grouping. */
  String signature() {
    return signature;
  }

  private int[] lookup(String conv) {
    int[] o = orders.get(conv);
    if (o == null) {
      throw EdgewiseException.invalidArgument("conv '" + conv + "' is not prunable" + (keptWhole.containsKey(conv)
          ? " (" + keptWhole.get(conv) + ")" : " (no such convolution)") + "; prunable: " + new ArrayList<>(
              orders.keySet()));
    }
    return o;
  }
}

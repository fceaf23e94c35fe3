package io.edgewise.train.prune;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.onnx.OnnxExporter;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.model.passes.GraphEdits;
import io.edgewise.model.shapes.ShapeInference;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.train.ops.OpGradients;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Structured channel pruning by filter L1 norm. Removes the lowest-ranked output channels of every prunable Conv
 * ({@link ChannelRanking}) and keeps the graph consistent: the Conv's weights and bias, the BatchNormalizations after
 * it, depthwise convolutions after it (their group count too), constants added or multiplied per channel, and the
 * inputs of every consumer (Conv weights' input axis, a Gemm's or MatMul's rows after Flatten as channel*spatial
 * blocks, Concat offsets) all lose the same channels. Convolutions whose channels cannot be removed safely keep them
 * and say why ({@link PruneResult#keptConvs()}). A model with an op that has no backward pass in training is skipped
 * with the reason, since it could not be fine-tuned afterwards. The input model is never changed.
 */
public final class ChannelPruner {
  private static final Logger LOG = LoggerFactory.getLogger(ChannelPruner.class);

  private ChannelPruner() {}

  /** Prunes a copy of the model at this ratio (0 <= ratio < 1: the fraction of each group's channels removed). */
  public static PruneResult prune(Model model, double ratio) {
    checkRatio(ratio);
    String skip = unsupportedOps(model);
    if (skip != null) {
      return PruneResult.skipped(ratio, skip, parameterCount(model.graph()));
    }
    Model copy = analysableCopy(model);
    try {
      ChannelAnalysis a = ChannelAnalysis.of(copy.graph());
      return apply(model, copy, a, ChannelRanking.of(a), ratio);
    } finally {
      copy.close();
    }
  }

  /** Prunes a copy of the model at this ratio with masks from a ranking computed once for it (nested masks). */
  public static PruneResult prune(Model model, ChannelRanking ranking, double ratio) {
    checkRatio(ratio);
    String skip = unsupportedOps(model);
    if (skip != null) {
      return PruneResult.skipped(ratio, skip, parameterCount(model.graph()));
    }
    Model copy = analysableCopy(model);
    try {
      ChannelAnalysis a = ChannelAnalysis.of(copy.graph());
      if (!a.signature().equals(ranking.signature())) {
        throw EdgewiseException.invalidArgument("the channel ranking was computed for another model than "
            + model.label() + " (its convolutions or their grouping differ)");
      }
      return apply(model, copy, a, ranking, ratio);
    } finally {
      copy.close();
    }
  }

  static void checkRatio(double ratio) {
    if (!(ratio >= 0 && ratio < 1)) {
      throw EdgewiseException.invalidArgument("pruning ratio " + ratio + " is outside [0, 1)");
    }
  }

  /**
   * Why the model cannot be pruned and fine-tuned (ops without a backward pass), or null. Public so that a caller
   * ranking once for several ratios ({@link ChannelRanking#of(Model)}) can skip such a model before ranking it.
   */
  public static String unsupportedOps(Model model) {
    Set<String> missing = new TreeSet<>();
    for (Node n : model.graph().nodes()) {
      boolean constant = n.opType().equals("Constant") && n.domain().isEmpty();
      if (!constant && (!n.domain().isEmpty() || !OpGradients.supports(n.opType()))) {
        missing.add(n.qualifiedOpType());
      }
    }
    return missing.isEmpty() ? null : "ops without a backward pass in training: " + missing + " (" + model.label()
        + ")";
  }

  /** A copy of the model (serialized and read back) with every shape inference can give. */
  static Model analysableCopy(Model model) {
    Model copy = OnnxImporter.load(OnnxExporter.toBytes(model), null);
    try {
      ShapeInference.infer(copy);
      return copy;
    } catch (RuntimeException e) {
      copy.close();
      throw e;
    }
  }

  private static PruneResult apply(Model original, Model copy, ChannelAnalysis a, ChannelRanking ranking,
      double ratio) {
    Graph g = copy.graph();
    long before = parameterCount(g);
    Map<Integer, int[]> masks = new HashMap<>();
    boolean any = false;
    for (int root : a.roots()) {
      if (a.reason(root) == null) {
        masks.put(root, ranking.keptChannels(a.members(root).get(0).label(), ratio));
        any = true;
      }
    }
    if (!any) {
      return PruneResult.skipped(ratio, "no convolution can lose channels: " + (ranking.keptWhole().isEmpty()
          ? "the model has none with constant weights" : ranking.keptWhole()), before);
    }
    Map<String, ParameterSlice> slices = cut(g, a, masks);
    for (ChannelAnalysis.ConvInfo c : a.convs().values()) {
      if (c.depthwise()) {
        c.node().setAttr(Attribute.ofInt("group", expand(c.out(), a, masks).length));
      }
    }
    removeDeadIdentities(g);
    GraphEdits.removeUnusedInitializers(g);
    g.valueInfo().clear();  // shapes inside the graph changed; the runtime infers them again
    List<PruneResult.ConvChannels> convs = new ArrayList<>();
    for (ChannelAnalysis.ConvInfo c : a.convs().values()) {
      int[] kept = expand(c.out(), a, masks);
      String reason = c.reason();
      if (reason == null && !c.depthwise()) {
        reason = a.reason(c.out().segments().get(0).group());
      }
      convs.add(new PruneResult.ConvChannels(c.node().label(), c.outChannels(), kept, reason));
    }
    Model pruned = OnnxImporter.load(OnnxExporter.toBytes(copy), null);
    PruneResult r = new PruneResult(pruned, ratio, null, List.copyOf(convs), before, parameterCount(pruned.graph()),
        slices, ranking.signature());
    LOG.info("pruned {} at {}: {}", original.label(), ratio, r.summary());
    return r;
  }

  /** The kept indices along a value's channel axis (or its flattened axis: channel*spatial blocks). */
  static int[] expand(ChannelAnalysis.Layout layout, ChannelAnalysis a, Map<Integer, int[]> masks) {
    List<Integer> out = new ArrayList<>();
    int offset = 0;
    for (ChannelAnalysis.Segment s : layout.segments()) {
      int[] kept = s.group() < 0 ? null : masks.get(a.find(s.group()));
      int n = kept == null ? s.length() : kept.length;
      for (int i = 0; i < n; i++) {
        int c = offset + (kept == null ? i : kept[i]);
        for (int p = 0; p < layout.spatial(); p++) {
          out.add(c * layout.spatial() + p);
        }
      }
      offset += s.length();
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Cuts every constant input the analysis named, each once with all of its axes; returns how each maps back. */
  private static Map<String, ParameterSlice> cut(Graph g, ChannelAnalysis a, Map<Integer, int[]> masks) {
    Map<Node, Map<Integer, TreeMap<Integer, int[]>>> plan = new IdentityHashMap<>();
    List<Node> order = new ArrayList<>();
    for (ChannelAnalysis.Slice s : a.slices()) {
      if (!plan.containsKey(s.node())) {
        order.add(s.node());
      }
      plan.computeIfAbsent(s.node(), k -> new TreeMap<>()).computeIfAbsent(s.input(), k -> new TreeMap<>())
          .putIfAbsent(s.axis(), expand(s.layout(), a, masks));
    }
    Map<String, Integer> readers = new HashMap<>();
    for (Node n : g.nodes()) {
      n.inputs().forEach(in -> readers.merge(in, 1, Integer::sum));
    }
    Map<String, ParameterSlice> out = new LinkedHashMap<>();
    Set<String> replacedInPlace = new HashSet<>();
    for (Node n : order) {
      for (Map.Entry<Integer, TreeMap<Integer, int[]>> e : plan.get(n).entrySet()) {
        int input = e.getKey();
        String source = a.constantName(n.input(input));
        Tensor t = g.initializers().get(source);
        long[] dims = t.shape().dims();
        int[][] kept = new int[dims.length][];
        e.getValue().forEach((axis, idx) -> kept[axis] = idx);
        Tensor cut = Tensor.ofFloats(Shape.of(cutDims(dims, kept)), slice(t.toFloatArray(), dims, kept));
        boolean inPlace = n.input(input).equals(source) && readers.getOrDefault(source, 0) == 1
            && !g.isOutput(source) && !replacedInPlace.contains(source);
        String name = inPlace ? source : source + "/pruned/" + n.label() + "/" + input;
        if (inPlace) {
          replacedInPlace.add(source);
          g.initializers().put(source, cut).close();
        } else {
          g.initializers().put(name, cut);
          n.inputs().set(input, name);
        }
        out.put(name, new ParameterSlice(name, source, dims.clone(), kept));
      }
    }
    return out;
  }

  static long[] cutDims(long[] dims, int[][] kept) {
    long[] d = dims.clone();
    for (int i = 0; i < d.length; i++) {
      if (kept[i] != null) {
        d[i] = kept[i].length;
      }
    }
    return d;
  }

  /** The sub-tensor at the kept indices of each axis (null: the whole axis), row-major. */
  static float[] slice(float[] src, long[] dims, int[][] kept) {
    int rank = dims.length;
    long[] outDims = cutDims(dims, kept);
    long[] strides = new long[rank];
    long s = 1;
    for (int d = rank - 1; d >= 0; d--) {
      strides[d] = s;
      s *= dims[d];
    }
    long total = 1;
    for (long d : outDims) {
      total *= d;
    }
    float[] out = new float[(int) total];
    int[] idx = new int[rank];
    for (int o = 0; o < out.length; o++) {
      long off = 0;
      for (int d = 0; d < rank; d++) {
        off += (kept[d] == null ? idx[d] : kept[d][idx[d]]) * strides[d];
      }
      out[o] = src[(int) off];
      for (int d = rank - 1; d >= 0; d--) {
        if (++idx[d] < outDims[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    return out;
  }

  /** Identity nodes whose output nothing reads any more (a shared bias the cut inputs no longer go through). */
  private static void removeDeadIdentities(Graph g) {
    boolean changed = true;
    while (changed) {
      Set<String> read = new HashSet<>();
      g.nodes().forEach(n -> read.addAll(n.inputs()));
      changed = g.nodes().removeIf(n -> n.opType().equals("Identity") && n.domain().isEmpty()
          && !read.contains(n.output(0)) && !g.isOutput(n.output(0)));
    }
  }

  static long parameterCount(Graph g) {
    return g.initializers().values().stream().mapToLong(Tensor::size).sum();
  }
}

package io.edgewise.train.prune;

import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which channels of which values belong together. Every Conv with constant weights and one group opens a channel
 * group of its output channels; the group follows the value through ops that keep the channel axis (activations,
 * pooling, batch normalization, depthwise convolutions), is concatenated at an offset by Concat along the channel axis
 * and flattened into channel*spatial blocks by Flatten. Elementwise ops on two tracked values unite their groups (a
 * residual Add's operands must lose the same channels). A group reaching anything else (a graph output, a Reshape to
 * a fixed shape, a grouped convolution, an op this class does not know) is fixed: its convolutions keep every
 * channel, with the reason recorded. Along the way the analysis records which constant inputs must be sliced along
 * which axis by which layout; {@link ChannelPruner} applies them once the masks are chosen. Reads the graph only; the
 * shapes it needs (spatial size at a Flatten, ranks for broadcasting) come from the graph's value infos, so run shape
 * inference first.
 */
final class ChannelAnalysis {
  /** Channels [offset, offset + length) of a value belong to group (or to no group, -1: kept whole). */
  record Segment(int group, int length) {}

  /**
   * The channel structure of a value along axis 1. spatial is 1 for an unflattened value (the channel axis itself)
   * and the size of each channel's block after Flatten ([N, C*spatial]).
   */
  record Layout(List<Segment> segments, int spatial, boolean flat) {
    int channels() {
      return segments.stream().mapToInt(Segment::length).sum();
    }

    static Layout of(int group, int length) {
      return new Layout(List.of(new Segment(group, length)), 1, false);
    }
  }

  /** Input {@code input} of {@code node} (a constant) loses, along {@code axis}, what {@code layout} loses. */
  record Slice(Node node, int input, int axis, Layout layout) {}

  /** A Conv with constant weights: its output layout, and why it is not a group of its own when it is not. */
  record ConvInfo(Node node, int outChannels, Layout out, boolean depthwise, String reason) {}

  private final Graph graph;
  private final Map<String, Node> producers = new HashMap<>();
  private final Map<String, Layout> layouts = new HashMap<>();
  private final List<Integer> parent = new ArrayList<>();
  private final List<Integer> sizes = new ArrayList<>();
  private final List<String> reasons = new ArrayList<>();
  private final List<List<Node>> members = new ArrayList<>();
  private final List<Slice> slices = new ArrayList<>();
  private final Map<String, ConvInfo> convs = new LinkedHashMap<>();

  private ChannelAnalysis(Graph graph) {
    this.graph = graph;
  }

  static ChannelAnalysis of(Graph graph) {
    ChannelAnalysis a = new ChannelAnalysis(graph);
    for (Node n : graph.nodes()) {
      n.outputs().forEach(o -> a.producers.put(o, n));
    }
    for (Node n : graph.nodes()) {
      a.visit(n);
    }
    for (ValueInfo out : graph.outputs()) {
      Layout l = a.layouts.get(out.name());
      if (l != null) {
        a.fix(l, "reaches the graph output '" + out.name() + "'");
      }
    }
    return a;
  }

  // ---- results ----------------------------------------------------------------------------------------------

  List<Slice> slices() {
    return slices;
  }

  /** Every Conv with constant weights, by node label, in graph order. */
  Map<String, ConvInfo> convs() {
    return convs;
  }

  int find(int g) {
    while (parent.get(g) != g) {
      parent.set(g, parent.get(parent.get(g)));
      g = parent.get(g);
    }
    return g;
  }

  /** The roots of all groups, in order of creation of their first member. */
  List<Integer> roots() {
    List<Integer> out = new ArrayList<>();
    for (int g = 0; g < parent.size(); g++) {
      if (find(g) == g) {
        out.add(g);
      }
    }
    return out;
  }

  int size(int root) {
    return sizes.get(root);
  }

  /** Why a group keeps every channel, or null when it may be pruned. */
  String reason(int root) {
    return reasons.get(find(root));
  }

  /** The convolutions that open a group, for the root's group. */
  List<Node> members(int root) {
    List<Node> out = new ArrayList<>();
    for (int g = 0; g < parent.size(); g++) {
      if (find(g) == root) {
        out.addAll(members.get(g));
      }
    }
    return out;
  }

  /** The float32 initializer behind a value (directly or through Identity nodes), or null. */
  Tensor constant(String value) {
    String name = constantName(value);
    return name == null ? null : graph.initializers().get(name);
  }

  /** The initializer's name behind a value, through Identity nodes (exporters de-duplicate biases that way). */
  String constantName(String value) {
    for (int hops = 0; hops < 64 && value != null && !value.isEmpty(); hops++) {
      Tensor t = graph.initializers().get(value);
      if (t != null) {
        return t.dtype() == DType.FLOAT32 && !graph.isInput(value) ? value : null;
      }
      Node p = producers.get(value);
      if (p == null || !p.opType().equals("Identity") || !p.domain().isEmpty()) {
        return null;
      }
      value = p.input(0);
    }
    return null;
  }

  // ---- the walk ---------------------------------------------------------------------------------------------

  private static final Set<String> UNARY = Set.of("Relu", "LeakyRelu", "Clip", "Identity", "Dropout", "Sigmoid",
      "Tanh", "HardSigmoid", "HardSwish", "Elu", "Selu", "Softplus", "Neg", "Abs");
  private static final Set<String> POOLS = Set.of("MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool");
  private static final Set<String> ELEMENTWISE = Set.of("Add", "Sub", "Mul", "Div", "Max", "Min");

  private void visit(Node n) {
    Set<Integer> handled = new HashSet<>();
    if (n.domain().isEmpty()) {
      switch (n.opType()) {
        case "Conv" -> conv(n, handled);
        case "BatchNormalization" -> batchNorm(n, handled);
        case "Flatten" -> flatten(n, handled, n.attrInt("axis", 1));
        case "Reshape" -> reshape(n, handled);
        case "Gemm" -> gemm(n, handled);
        case "MatMul" -> matMul(n, handled);
        case "Concat" -> concat(n, handled);
        default -> {
          if (UNARY.contains(n.opType()) || POOLS.contains(n.opType())) {
            passThrough(n, handled);
          } else if (ELEMENTWISE.contains(n.opType())) {
            elementwise(n, handled);
          }
        }
      }
    }
    for (int i = 0; i < n.inputs().size(); i++) {
      Layout l = layouts.get(n.input(i));
      if (l != null && !handled.contains(i)) {
        fix(l, "feeds " + n.describe() + (n.inputs().size() > 1 ? " input " + i : ""));
      }
    }
  }

  private void conv(Node n, Set<Integer> handled) {
    Tensor w = constant(n.input(1));
    Layout in = layouts.get(n.input(0));
    if (w == null || w.shape().rank() < 3) {
      Integer m = channelsOf(n.output(0));
      if (m != null) {
        layouts.put(n.output(0), new Layout(List.of(new Segment(-1, m)), 1, false));
      }
      return;  // input 0 stays unhandled: its channels meet weights that are computed, so they are kept
    }
    int m = (int) w.shape().dim(0);
    int perGroup = (int) w.shape().dim(1);
    long group = n.attrInt("group", 1);
    boolean biasOk = !n.hasInput(2) || constant(n.input(2)) != null;
    if (group == 1) {
      if (in != null && !in.flat() && in.channels() == perGroup) {
        slices.add(new Slice(n, 1, 1, in));
        handled.add(0);
      }
      int g = newGroup(n, m);
      Layout out = Layout.of(g, m);
      slices.add(new Slice(n, 1, 0, out));
      if (n.hasInput(2)) {
        if (biasOk) {
          slices.add(new Slice(n, 2, 0, out));
        } else {
          fix(out, "its bias '" + n.input(2) + "' is not a constant");
        }
      }
      layouts.put(n.output(0), out);
      convs.put(n.label(), new ConvInfo(n, m, out, false, null));
    } else if (perGroup == 1 && group == m && in != null && !in.flat() && in.channels() == m && biasOk) {
      // depthwise with multiplier 1: output channel k is input channel k filtered, so it loses what its input loses
      slices.add(new Slice(n, 1, 0, in));
      if (n.hasInput(2)) {
        slices.add(new Slice(n, 2, 0, in));
      }
      handled.add(0);
      layouts.put(n.output(0), in);
      convs.put(n.label(), new ConvInfo(n, m, in, true, null));
    } else {
      Layout out = new Layout(List.of(new Segment(-1, m)), 1, false);
      layouts.put(n.output(0), out);
      convs.put(n.label(), new ConvInfo(n, m, out, false, group == 1 ? "its bias is not a constant"
          : "a grouped convolution (group " + group + ") is pruned only as a depthwise one after its producer"));
    }
  }

  private void batchNorm(Node n, Set<Integer> handled) {
    Layout in = layouts.get(n.input(0));
    if (in == null || in.flat()) {
      return;
    }
    for (int j = 1; j <= 4; j++) {
      Tensor t = constant(n.input(j));
      if (t == null || t.size() != in.channels()) {
        return;
      }
    }
    for (int j = 1; j <= 4; j++) {
      slices.add(new Slice(n, j, 0, in));
    }
    handled.add(0);
    layouts.put(n.output(0), in);
  }

  private void passThrough(Node n, Set<Integer> handled) {
    Layout in = layouts.get(n.input(0));
    if (in == null || in.flat() && POOLS.contains(n.opType())) {
      return;
    }
    for (int i = 1; i < n.inputs().size(); i++) {
      if (layouts.containsKey(n.input(i))) {
        return;  // Clip's bounds or similar computed from tracked channels: unknown territory
      }
    }
    handled.add(0);
    layouts.put(n.output(0), in);
  }

  private void flatten(Node n, Set<Integer> handled, long axis) {
    Layout in = layouts.get(n.input(0));
    ValueInfo type = graph.typeOf(n.input(0));
    if (in == null || in.flat() || type == null || !type.hasRank() || type.dims().size() < 2) {
      return;
    }
    int rank = type.dims().size();
    if ((axis < 0 ? axis + rank : axis) != 1) {
      return;
    }
    long spatial = 1;
    for (int d = 2; d < rank; d++) {
      if (!type.dims().get(d).isKnown()) {
        return;
      }
      spatial *= type.dims().get(d).value();
    }
    handled.add(0);
    layouts.put(n.output(0), new Layout(in.segments(), (int) spatial, true));
  }

  /** A Reshape to [0 or batch, -1] is a Flatten; any other target shape fixes the channels. */
  private void reshape(Node n, Set<Integer> handled) {
    Tensor shape = graph.initializers().get(n.input(1));
    ValueInfo type = graph.typeOf(n.input(0));
    if (shape == null || shape.size() != 2 || type == null || !type.hasRank() || type.dims().isEmpty()) {
      return;
    }
    long[] s = shape.toLongArray();
    ValueInfo.Dim batch = type.dims().get(0);
    if (s[1] == -1 && (s[0] == 0 || batch.isKnown() && s[0] == batch.value())) {
      flatten(n, handled, 1);
    }
  }

  private void gemm(Node n, Set<Integer> handled) {
    Layout a = layouts.get(n.input(0));
    Tensor b = constant(n.input(1));
    if (a == null || n.attrInt("transA", 0) != 0 || b == null || b.shape().rank() != 2 || !a.flat() && !isRank2(n
        .input(0))) {
      return;
    }
    int axis = n.attrInt("transB", 0) != 0 ? 1 : 0;
    if (b.shape().dim(axis) != (long) a.channels() * a.spatial()) {
      return;
    }
    slices.add(new Slice(n, 1, axis, a));
    handled.add(0);
  }

  private void matMul(Node n, Set<Integer> handled) {
    Layout a = layouts.get(n.input(0));
    Tensor b = constant(n.input(1));
    if (a == null || b == null || b.shape().rank() != 2 || !a.flat() && !isRank2(n.input(0))
        || b.shape().dim(0) != (long) a.channels() * a.spatial()) {
      return;
    }
    slices.add(new Slice(n, 1, 0, a));
    handled.add(0);
  }

  private boolean isRank2(String value) {
    ValueInfo t = graph.typeOf(value);
    return t != null && t.hasRank() && t.dims().size() == 2;
  }

  private void concat(Node n, Set<Integer> handled) {
    ValueInfo type = graph.typeOf(n.output(0));
    if (type == null || !type.hasRank()) {
      return;
    }
    int rank = type.dims().size();
    long axis = n.attrInt("axis", 1);
    axis = axis < 0 ? axis + rank : axis;
    if (axis != 1 || rank < 2) {
      unite(n, handled);
      return;
    }
    List<Segment> segments = new ArrayList<>();
    for (int i = 0; i < n.inputs().size(); i++) {
      Layout l = layouts.get(n.input(i));
      if (l != null && l.flat()) {
        return;
      }
      if (l != null) {
        segments.addAll(l.segments());
      } else {
        Integer c = channelsOf(n.input(i));
        if (c == null) {
          return;
        }
        segments.add(new Segment(-1, c));
      }
    }
    for (int i = 0; i < n.inputs().size(); i++) {
      handled.add(i);
    }
    if (segments.stream().anyMatch(s -> s.group() >= 0)) {
      layouts.put(n.output(0), new Layout(List.copyOf(segments), 1, false));
    }
  }

  /** Elementwise on two operands: two tracked operands share masks; a constant operand is sliced along with them. */
  private void elementwise(Node n, Set<Integer> handled) {
    if (n.inputs().size() != 2) {
      return;
    }
    Layout a = layouts.get(n.input(0));
    Layout b = layouts.get(n.input(1));
    if (a != null && b != null) {
      unite(n, handled);
      return;
    }
    int tracked = a != null ? 0 : 1;
    Layout l = a != null ? a : b;
    String other = n.input(1 - tracked);
    ValueInfo type = graph.typeOf(n.input(tracked));
    ValueInfo otherType = graph.typeOf(other);
    if (type == null || !type.hasRank() || otherType == null || !otherType.hasRank()) {
      return;
    }
    int axis = 1 - (type.dims().size() - otherType.dims().size());  // the channel axis within the other operand
    ValueInfo.Dim c = axis >= 0 && axis < otherType.dims().size() ? otherType.dims().get(axis) : ValueInfo.Dim.of(1);
    if (otherType.dims().size() > type.dims().size() || !c.isKnown()) {
      return;
    }
    if (c.value() != 1) {
      if (c.value() != (long) l.channels() * (l.flat() ? l.spatial() : 1) || constant(other) == null) {
        return;
      }
      slices.add(new Slice(n, 1 - tracked, axis, l));
    }
    handled.add(tracked);
    layouts.put(n.output(0), l);
  }

  /** Operands whose channels must line up one to one: segment by segment, their groups become one. */
  private void unite(Node n, Set<Integer> handled) {
    Layout first = null;
    for (int i = 0; i < n.inputs().size(); i++) {
      Layout l = layouts.get(n.input(i));
      if (l == null) {
        return;
      }
      if (first == null) {
        first = l;
      } else if (l.flat() != first.flat() || l.spatial() != first.spatial()
          || !l.segments().stream().map(Segment::length).toList()
              .equals(first.segments().stream().map(Segment::length).toList())) {
        return;
      }
    }
    if (first == null) {
      return;
    }
    for (int i = 1; i < n.inputs().size(); i++) {
      List<Segment> segs = layouts.get(n.input(i)).segments();
      for (int s = 0; s < segs.size(); s++) {
        int ga = first.segments().get(s).group();
        int gb = segs.get(s).group();
        if (ga >= 0 && gb >= 0) {
          union(ga, gb);
        } else if (ga >= 0 || gb >= 0) {
          fixGroup(Math.max(ga, gb), "meets channels that are kept whole at " + n.describe());
        }
      }
    }
    for (int i = 0; i < n.inputs().size(); i++) {
      handled.add(i);
    }
    layouts.put(n.output(0), first);
  }

  private Integer channelsOf(String value) {
    ValueInfo t = graph.typeOf(value);
    if (t == null || !t.hasRank() || t.dims().size() < 2 || !t.dims().get(1).isKnown()) {
      return null;
    }
    return (int) t.dims().get(1).value();
  }

  // ---- groups -----------------------------------------------------------------------------------------------

  private int newGroup(Node conv, int size) {
    int g = parent.size();
    parent.add(g);
    sizes.add(size);
    reasons.add(null);
    members.add(new ArrayList<>(List.of(conv)));
    return g;
  }

  private void union(int a, int b) {
    int ra = find(a);
    int rb = find(b);
    if (ra == rb) {
      return;
    }
    int root = Math.min(ra, rb);
    int other = Math.max(ra, rb);
    parent.set(other, root);
    if (reasons.get(root) == null) {
      reasons.set(root, reasons.get(other));
    }
  }

  private void fix(Layout l, String reason) {
    for (Segment s : l.segments()) {
      if (s.group() >= 0) {
        fixGroup(s.group(), reason);
      }
    }
  }

  private void fixGroup(int g, String reason) {
    int r = find(g);
    if (reasons.get(r) == null) {
      reasons.set(r, reason);
    }
  }

  /** The conv weights' shapes and the grouping: what a ranking must match to be applied to a graph. */
  String signature() {
    StringBuilder sb = new StringBuilder();
    for (ConvInfo c : convs.values()) {
      sb.append(c.node().label()).append(constant(c.node().input(1)).shape()).append(';');
    }
    for (int r : roots()) {
      sb.append(members(r).stream().map(Node::label).toList()).append(reason(r) == null ? "" : "fixed").append(';');
    }
    return sb.toString();
  }
}

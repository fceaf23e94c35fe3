package io.edgewise.backend.cpu;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.GraphIndex;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.passes.ConvFusion;
import io.edgewise.model.passes.SelfGate;
import io.edgewise.tensor.DType;
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
 * Plans the blocked channel layout (NCHWc) for the cpu device: rewrites a graph so that consecutive native ops
 * (convolutions, pooling, residual adds, channel concats) pass activations in NCHWc to each other, and the layout is
 * converted only at the edges of each blocked subgraph (ToNchwc before, FromNchwc after, once per value). Every
 * other node keeps reading and writing NCHW, so ops without a blocked kernel run unchanged.
 *
 * <p>Blocked values are float32 tensors shaped [N, ceil(C / B), H, W, B] named after the value they hold plus
 * {@link #SUFFIX}; the channel count C travels as the attribute {@code channels} of the nodes that need it.
 */
final class NchwcPlan {
  static final String DOMAIN = "io.edgewise.nchwc";
  static final String SUFFIX = "#nchwc";

  /** The rewritten model (sharing the original's initializers, never closed itself) and what the plan did. */
  record Result(Model model, int blockedNodes, int conversions) {}

  private final Graph source;
  /** Producers and readers of the source's values: pattern look-ups in O(1), not a scan of the nodes each. */
  private final GraphIndex sourceIndex;
  private final int block;
  private final List<Node> out = new ArrayList<>();
  /** Channels of each value available in NCHWc, by original name. */
  private final Map<String, Long> blockedChannels = new HashMap<>();
  /** Values whose NCHW form exists (graph inputs, initializers, values produced by NCHW nodes or converted back). */
  private final Set<String> plain = new HashSet<>();
  private int blockedNodes;
  private int conversions;
  /** The NchwcConv emitted for each value, by original name (a channel concat may take it over). */
  private final Map<String, Node> convOf = new HashMap<>();
  /** The NchwcChannelAffine emitted for each batch-normalized value, by original name (an activation may join it). */
  private final Map<String, Node> affineOf = new HashMap<>();
  /** The default-domain opset (Clip's bounds are attributes before 11, inputs after). */
  private final int opset;
  /** How many node inputs and graph outputs read each value. */
  private final Map<String, Integer> readers = new HashMap<>();
  /** The NchwcGatherChannels emitted for each value, by original name (a gather reading it may absorb it). */
  private final Map<String, Node> gatherOf = new HashMap<>();
  /** Source nodes a pattern already planned (the Transpose and Reshape of a channel shuffle). */
  private final Set<Node> consumed = new HashSet<>();
  /**
   * Emitted nodes a later one took over (an activation joining its batch norm, convolutions writing into a concat, a
   * gather looked through): left out of the result at the end, where removing each from the list was O(nodes).
   */
  private final Set<Node> dropped = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

  private NchwcPlan(Graph source, int block, int opset) {
    this.source = source;
    this.sourceIndex = source.index();
    this.block = block;
    this.opset = opset;
    for (Node n : source.nodes()) {
      for (String in : n.inputs()) {
        readers.merge(in, 1, Integer::sum);
      }
    }
    for (String o : source.outputNames()) {
      readers.merge(o, 1, Integer::sum);
    }
  }

  /** The rewritten model, or the model itself when no node can run blocked. */
  static Result plan(Model model, int block) {
    Graph g = model.graph();
    for (Node n : g.nodes()) {
      for (Attribute a : n.attributes().values()) {
        if (a.kind() == Attribute.Kind.GRAPH || a.kind() == Attribute.Kind.GRAPHS) {
          return new Result(model, 0, 0);  // subgraphs read outer values by name: keep every value NCHW
        }
      }
    }
    NchwcPlan p = new NchwcPlan(g, block, Math.toIntExact(model.opsetImports().getOrDefault("", 13L)));
    p.rewrite();
    if (p.blockedNodes == 0) {
      return new Result(model, 0, 0);
    }
    Graph rewritten = new Graph(g.name());
    p.out.stream().filter(n -> !p.dropped.contains(n)).forEach(rewritten.nodes()::add);
    rewritten.initializers().putAll(g.initializers());  // borrowed: the original model owns and closes them
    rewritten.inputs().addAll(g.inputs());
    rewritten.outputs().addAll(g.outputs());
    rewritten.valueInfo().putAll(g.valueInfo());
    Model m = new Model(rewritten, model.opsetImports(), model.irVersion(), model.producerName(), model.source(),
        model.contentHash());
    return new Result(m, p.blockedNodes, p.conversions);
  }

  private void rewrite() {
    plain.addAll(source.inputNames());
    plain.addAll(source.initializers().keySet());
    for (Node n : source.nodes()) {
      if (consumed.contains(n)) {
        continue;
      }
      if (!tryBlocked(n)) {
        for (String in : n.inputs()) {
          requirePlain(in);
        }
        out.add(n);
        plain.addAll(n.outputs());
      }
    }
    for (String o : source.outputNames()) {
      requirePlain(o);
    }
  }

  /** Emits FromNchwc for a value only available blocked. */
  private void requirePlain(String value) {
    if (value.isEmpty() || plain.contains(value) || !blockedChannels.containsKey(value)) {
      return;
    }
    out.add(node("FromNchwc", List.of(value + SUFFIX), List.of(value),
        Map.of("channels", Attribute.ofInt("channels", blockedChannels.get(value)))));
    plain.add(value);
    conversions++;
  }

  /** The blocked name of a value, converting it (ToNchwc) when only its NCHW form exists. */
  private String requireBlocked(String value, long channels) {
    if (!blockedChannels.containsKey(value)) {
      out.add(node("ToNchwc", List.of(value), List.of(value + SUFFIX),
          Map.of("channels", Attribute.ofInt("channels", channels))));
      blockedChannels.put(value, channels);
      conversions++;
    }
    return value + SUFFIX;
  }

  private boolean tryBlocked(Node n) {
    if (n.domain().equals(CpuElementwise.DOMAIN) && n.opType().equals(CpuElementwise.CHAIN)) {
      return elementwise(n);
    }
    if (!n.domain().isEmpty() && !(n.domain().equals("io.edgewise") && n.opType().equals("FusedConv"))) {
      return false;
    }
    return switch (n.opType()) {
      case "Conv", "FusedConv" -> conv(n);
      case "MaxPool", "AveragePool" -> pool(n);
      case "GlobalAveragePool" -> globalAveragePool(n);
      case "ReduceMean" -> spatialMean(n);
      case "Add" -> relu6Gate(n) || binary(n, "NchwcAdd");
      case "Mul" -> binary(n, "NchwcMul");
      case "Concat" -> concat(n);
      case "Split" -> split(n);
      case "Slice" -> channelSlice(n);
      case "Reshape" -> channelShuffle(n);
      case "BatchNormalization" -> batchNorm(n);
      case "Relu", "Clip", "LeakyRelu", "HardSwish", "Sigmoid", "Tanh", "HardSigmoid" -> activation(n);
      default -> false;
    };
  }

  private boolean isFloat(String value) {
    ValueInfo t = source.typeOf(value);
    return t == null || t.dtype() == null || t.dtype() == DType.FLOAT32;
  }

  private boolean conv(Node n) {
    Tensor w = n.inputs().size() > 1 ? source.initializers().get(n.input(1)) : null;
    if (w == null || w.dtype() != DType.FLOAT32 || w.shape().rank() != 4 || !isFloat(n.input(0))) {
      return false;
    }
    if (n.inputs().size() > 2 && !n.input(2).isEmpty() && !isFloat(n.input(2))) {
      return false;
    }
    long group = n.attrInt("group", 1);
    long m = w.shape().dim(0);
    long k = w.shape().dim(1);  // input channels per group
    long c = k * group;
    boolean depthwise = group > 1 && k == 1 && m == group;
    boolean grouped = group != 1 && !depthwise;
    if (grouped && !groupsLineUpWithBlocks(m, k, c)) {
      return false;  // other groupings stay on the NCHW kernels
    }
    String x = n.input(0);
    boolean inputBlocked = blockedChannels.containsKey(x) || depthwise || grouped || c >= block;
    String residual = n.opType().equals("FusedConv") && n.inputs().size() > 3 ? n.input(3) : "";
    if (!residual.isEmpty() && !isFloat(residual)) {
      return false;
    }
    List<String> inputs = new ArrayList<>();
    inputs.add(inputBlocked ? requireBlocked(x, c) : x);
    inputs.add(n.input(1));
    inputs.add(n.inputs().size() > 2 ? n.input(2) : "");
    inputs.add(residual.isEmpty() ? "" : requireBlocked(residual, m));
    if (!inputBlocked) {
      requirePlain(x);
    }
    Map<String, Attribute> attrs = new LinkedHashMap<>(n.attributes());
    if (grouped) {
      attrs.put("unit", Attribute.ofInt("unit", groupedUnit(k)));
      emitBlocked(n, "NchwcGroupedConv", inputs, attrs, m);
      return true;
    }
    attrs.put("input_blocked", Attribute.ofInt("input_blocked", inputBlocked ? 1 : 0));
    emitBlocked(n, "NchwcConv", inputs, attrs, m);
    if (residual.isEmpty()) {
      convOf.put(n.output(0), out.get(out.size() - 1));
    }
    return true;
  }

  /**
   * A grouped convolution runs blocked (NchwcGroupedConv) when its groups line up with units of blocks: k input and
   * k output channels per group, and the channels a whole number of units of lcm(k, B) channels, at most 4k. It runs
   * as dense convolutions over the units, zero weights between groups inside a unit (ResNeXt's 4-channel groups: 4x
   * the FLOPs at the dense kernel's speed, against 21 GFLOP/s on the NCHW kernels; RegNet's 24-channel groups: 2x).
   */
  private boolean groupsLineUpWithBlocks(long m, long k, long c) {
    long unit = groupedUnit(k);
    return m == c && c % unit == 0 && unit <= 4 * k;
  }

  /** The channels of a grouped convolution's dense unit: the least common multiple of k and the block. */
  private long groupedUnit(long k) {
    long a = k;
    long b = block;
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return k / a * block;
  }

  private boolean pool(Node n) {
    long[] kernel = n.attrInts("kernel_shape", null);
    boolean indices = n.outputs().size() > 1 && !n.output(1).isEmpty();
    Long c = blockedChannels.get(n.input(0));
    if (c == null || kernel == null || kernel.length != 2 || indices) {
      return false;
    }
    Map<String, Attribute> attrs = new LinkedHashMap<>(n.attributes());
    attrs.put("max", Attribute.ofInt("max", n.opType().equals("MaxPool") ? 1 : 0));
    attrs.put("channels", Attribute.ofInt("channels", c));
    emitBlocked(n, "NchwcPool", List.of(n.input(0) + SUFFIX), attrs, c);
    return true;
  }

  private boolean globalAveragePool(Node n) {
    Long c = blockedChannels.get(n.input(0));
    if (c == null) {
      return false;
    }
    emitBlocked(n, "NchwcGlobalAveragePool", List.of(n.input(0) + SUFFIX),
        Map.of("channels", Attribute.ofInt("channels", c)), c);
    return true;
  }

  /**
   * ReduceMean over the two spatial axes of a blocked value (ShuffleNet's and MnasNet's x.mean([2, 3])) is a global
   * average pool; without keepdims its [N, C, 1, 1] result is flattened to [N, C] in the NCHW layout.
   */
  private boolean spatialMean(Node n) {
    Long c = blockedChannels.get(n.input(0));
    long[] axes = opset < 18 ? n.attrInts("axes", null)
        : n.inputs().size() > 1 ? constantLongs(n.input(1)) : null;
    if (c == null || axes == null || axes.length != 2 || n.outputs().size() != 1) {
      return false;
    }
    java.util.Arrays.sort(axes);
    boolean spatial = (axes[0] == 2 && axes[1] == 3) || (axes[0] == -2 && axes[1] == -1);
    if (!spatial) {
      return false;
    }
    Map<String, Attribute> attrs = Map.of("channels", Attribute.ofInt("channels", c));
    if (n.attrInt("keepdims", 1) == 1) {
      emitBlocked(n, "NchwcGlobalAveragePool", List.of(n.input(0) + SUFFIX), attrs, c);
      return true;
    }
    String pooled = n.output(0) + "#keepdims";
    emitBlocked(n.name(), "NchwcGlobalAveragePool", List.of(n.input(0) + SUFFIX), attrs, pooled, c);
    requirePlain(pooled);
    Node flatten = new Node(n.name() + ":flatten", "Flatten", List.of(pooled), List.of(n.output(0)));
    flatten.setAttr(Attribute.ofInt("axis", 1));
    out.add(flatten);
    plain.add(n.output(0));
    return true;
  }

  /** The values of an int64 initializer, or null when the value is not one. */
  private long[] constantLongs(String value) {
    Tensor t = source.initializers().get(value);
    return t == null || t.dtype() != DType.INT64 ? null : t.toLongArray();
  }

  /**
   * Inference BatchNormalization of a blocked value whose statistics are initializers (a BatchNormalization the
   * graph passes could not fold into a convolution: after a concat or a pool, as DenseNet's pre-activations are).
   */
  private boolean batchNorm(Node n) {
    Long c = blockedChannels.get(n.input(0));
    // inference only: no training_mode (14+), no statistics asked for (7-13), is_test set (before 7); and per
    // channel statistics (spatial = 1 before 9)
    boolean inference = n.attrInt("training_mode", 0) == 0 && (opset >= 7 || n.attrInt("is_test", 0) == 1)
        && (opset >= 9 || n.attrInt("spatial", 1) == 1);
    if (c == null || n.inputs().size() != 5 || n.outputs().size() != 1 || !inference) {
      return false;
    }
    for (int i = 1; i < 5; i++) {
      Tensor p = source.initializers().get(n.input(i));
      if (p == null || p.dtype() != DType.FLOAT32 || p.shape().rank() != 1 || p.shape().dim(0) != c) {
        return false;
      }
    }
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("channels", Attribute.ofInt("channels", c));
    attrs.put("epsilon", Attribute.ofFloat("epsilon", n.attrFloat("epsilon", 1e-5f)));
    List<String> inputs = new ArrayList<>(n.inputs());
    inputs.set(0, n.input(0) + SUFFIX);
    emitBlocked(n, "NchwcChannelAffine", inputs, attrs, c);
    affineOf.put(n.output(0), out.get(out.size() - 1));
    return true;
  }

  /**
   * An activation of a blocked value: folded into the NchwcChannelAffine (a batch norm) before it when that is its
   * only reader, else one of its own. A gate on its own input that no convolution took (SelfGate: x * Sigmoid(x),
   * x * HardSigmoid(x)) is one SiLU or HardSwish pass writing the Mul's output.
   */
  private boolean activation(Node n) {
    Long c = n.inputs().isEmpty() ? null : blockedChannels.get(n.input(0));
    SelfGate gate = c == null ? null : SelfGate.find(sourceIndex, n.input(0));
    Node last = gate != null && gate.gate().get(0) == n ? gate.last() : n;
    Map<String, Attribute> act = c == null || n.outputs().size() != 1 ? null
        : last != n ? Map.of("activation", Attribute.ofString("activation", gate.activation()))
        : n.opType().equals("HardSigmoid") ? hardSigmoid(n) : ConvFusion.activation(sourceIndex, n, opset);
    if (act == null) {
      return false;
    }
    if (last != n) {
      consumed.addAll(gate.nodes());  // n itself is being planned: marking it consumed changes nothing
    }
    Node before = affineOf.get(n.input(0));
    if (before != null && !before.attributes().containsKey("activation")
        && readers.getOrDefault(n.input(0), 0) == (last != n ? 2 : 1)) {
      Map<String, Attribute> attrs = new LinkedHashMap<>(before.attributes());
      attrs.putAll(act);
      dropped.add(before);
      blockedNodes--;
      emitBlocked(last, "NchwcChannelAffine", before.inputs(), attrs, c);
      return true;
    }
    Map<String, Attribute> attrs = new LinkedHashMap<>(act);
    attrs.put("channels", Attribute.ofInt("channels", c));
    emitBlocked(last, "NchwcChannelAffine", List.of(n.input(0) + SUFFIX), attrs, c);
    return true;
  }

  /**
   * relu6(x + 3) / 6 of a blocked value, HardSigmoid as hand-written h_sigmoid modules export it (the
   * squeeze-and-excitation gates of MobileNetV3 reimplementations): one blocked HardSigmoid pass, or HardSwish when it
   * gates x itself and no convolution took it. Left to the plain ops, such a gate on a [N, C, 1, 1] value made the Mul
   * that scales the block's activations a broadcast on the reference kernel: 2.7 of 6.4 ms.
   */
  private boolean relu6Gate(Node add) {
    for (String x : add.inputs()) {
      Long c = blockedChannels.get(x);
      SelfGate gate = c == null ? null : SelfGate.find(sourceIndex, x);
      boolean swish = gate != null && gate.gate().get(0) == add;
      List<Node> chain = swish ? gate.nodes() : c == null ? null : SelfGate.relu6Sigmoid(sourceIndex, add, x);
      if (chain == null) {
        continue;
      }
      Node last = swish ? gate.last() : chain.get(chain.size() - 1);
      consumed.addAll(chain);
      Map<String, Attribute> attrs = new LinkedHashMap<>(swish
          ? Map.of("activation", Attribute.ofString("activation", "HardSwish")) : hardSigmoid(1f / 6, 0.5f));
      attrs.put("channels", Attribute.ofInt("channels", c));
      emitBlocked(last, "NchwcChannelAffine", List.of(x + SUFFIX), attrs, c);
      return true;
    }
    return false;
  }

  /** HardSigmoid's attributes as the blocked channel op takes them (no convolution epilogue applies it). */
  private static Map<String, Attribute> hardSigmoid(Node n) {
    return hardSigmoid(n.attrFloat("alpha", 0.2f), n.attrFloat("beta", 0.5f));
  }

  private static Map<String, Attribute> hardSigmoid(float alpha, float beta) {
    Map<String, Attribute> a = new LinkedHashMap<>();
    a.put("activation", Attribute.ofString("activation", "HardSigmoid"));
    a.put("activation_params", Attribute.ofFloats("activation_params", alpha, beta));
    return a;
  }

  /** Add or Mul of two blocked values of the same channel count (the kernel checks how their shapes match). */
  private boolean binary(Node n, String op) {
    if (n.inputs().size() != 2) {
      return false;
    }
    Long a = blockedChannels.get(n.input(0));
    Long b = blockedChannels.get(n.input(1));
    if (a == null || !a.equals(b)) {
      return false;
    }
    emitBlocked(n, op, List.of(n.input(0) + SUFFIX, n.input(1) + SUFFIX),
        Map.of("channels", Attribute.ofInt("channels", a)), a);
    return true;
  }

  /**
   * A fused elementwise chain ({@link ElementwiseChains}) of a blocked value, run blocked (NchwcElementwise) when
   * every operand is blocked with the same channels, a per-channel constant ([C, 1, 1], [1, C, 1, 1]) or a scalar
   * constant: the scale, bias and hard-swish around the PaddleOCR convolutions then stay blocked between them.
   */
  private boolean elementwise(Node n) {
    Long c = null;
    for (String in : n.inputs()) {
      c = c != null ? c : blockedChannels.get(in);
    }
    long[] y = knownDims(n.output(0));
    if (c == null || (y != null && (y.length != 4 || y[1] != c))) {
      return false;
    }
    long[] roles = new long[n.inputs().size()];
    for (int i = 0; i < roles.length; i++) {
      String in = n.input(i);
      Long bc = blockedChannels.get(in);
      Tensor t = source.initializers().get(in);
      long[] k = knownDims(in);
      if (bc != null) {
        if (!bc.equals(c)) {
          return false;
        }
        roles[i] = CpuElementwise.ROLE_BLOCKED;
      } else if (t != null) {
        long[] d = t.shape().dims();
        if (t.dtype() != DType.FLOAT32 || d.length > 4) {
          return false;
        }
        long[] four = {1, 1, 1, 1};
        System.arraycopy(d, 0, four, 4 - d.length, d.length);
        if (t.size() == 1) {
          roles[i] = CpuElementwise.ROLE_SCALAR;
        } else if (four[0] == 1 && four[1] == c && four[2] == 1 && four[3] == 1) {
          roles[i] = CpuElementwise.ROLE_CHANNEL;
        } else {
          return false;
        }
      } else if (y != null && k != null && java.util.Arrays.equals(k, y) && isFloat(in)) {
        roles[i] = CpuElementwise.ROLE_BLOCKED;  // a plain value of the output's shape: converted below
      } else {
        return false;
      }
    }
    List<String> inputs = new ArrayList<>();
    for (int i = 0; i < roles.length; i++) {
      String in = n.input(i);
      inputs.add(roles[i] == CpuElementwise.ROLE_BLOCKED ? requireBlocked(in, c) : in);
    }
    Map<String, Attribute> attrs = new LinkedHashMap<>(n.attributes());
    attrs.put("channels", Attribute.ofInt("channels", c));
    attrs.put("roles", Attribute.ofInts("roles", roles));
    emitBlocked(n, CpuElementwise.BLOCKED, inputs, attrs, c);
    return true;
  }

  /** Concat along channels of blocked values whose channel counts are whole blocks (a copy of block runs). */
  private boolean concat(Node n) {
    long axis = n.attrInt("axis", 0);
    if (axis != 1 && axis != -3) {
      return false;
    }
    long total = 0;
    boolean wholeBlocks = true;
    List<String> inputs = new ArrayList<>();
    for (String in : n.inputs()) {
      Long c = blockedChannels.get(in);
      if (c == null) {
        return false;
      }
      wholeBlocks &= c % block == 0;
      total += c;
      inputs.add(in + SUFFIX);
    }
    if (!wholeBlocks) {
      long[] sources = new long[2 * Math.toIntExact(total)];
      int j = 0;
      for (int i = 0; i < n.inputs().size(); i++) {
        for (long ch = 0; ch < blockedChannels.get(n.input(i)); ch++, j++) {
          sources[2 * j] = i;
          sources[2 * j + 1] = ch;
        }
      }
      emitGather(n.name(), n.output(0), n.inputs(), sources);
    } else if (!concatInPlace(n, total)) {
      emitBlocked(n, "NchwcConcat", inputs, Map.of(), total);
    }
    return true;
  }

  /**
   * A concat whose every input is an NchwcConv output read by nothing else (SqueezeNet's fire modules) becomes one
   * NchwcConcatConv: the convolutions write their blocks straight into the concat's output, so nothing is copied
   * (SqueezeNet copied 5.8 MB per run). Its inputs are each part's X, W, B; its attributes each part's attributes
   * prefixed "p{i}_", and "parts".
   */
  private boolean concatInPlace(Node n, long total) {
    List<Node> parts = new ArrayList<>();
    for (String in : n.inputs()) {
      Node conv = convOf.get(in);
      if (conv == null || readers.getOrDefault(in, 0) != 1 || parts.contains(conv)) {
        return false;
      }
      parts.add(conv);
    }
    List<String> inputs = new ArrayList<>();
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("parts", Attribute.ofInt("parts", parts.size()));
    for (int i = 0; i < parts.size(); i++) {
      Node conv = parts.get(i);
      inputs.add(conv.input(0));
      inputs.add(conv.input(1));
      inputs.add(conv.input(2));
      for (Attribute a : conv.attributes().values()) {
        String name = "p" + i + "_" + a.name();
        attrs.put(name, new Attribute(name, a.kind(), a.value()));
      }
      dropped.add(conv);
      blockedNodes--;
    }
    emitBlocked(n, "NchwcConcatConv", inputs, attrs, total);
    return true;
  }

  /**
   * A channel Split of a blocked value: one channel gather per part, so parts need not be whole blocks (ShuffleNet
   * splits 116 channels in two). The parts' sizes come from shape inference.
   */
  private boolean split(Node n) {
    Long c = blockedChannels.get(n.input(0));
    long axis = n.attrInt("axis", 0);
    if (c == null || (axis != 1 && axis != -3)) {
      return false;
    }
    long[] sizes = new long[n.outputs().size()];
    long total = 0;
    for (int k = 0; k < sizes.length; k++) {
      long[] d = knownDims(n.output(k));
      if (d == null || d.length != 4) {
        return false;
      }
      sizes[k] = d[1];
      total += d[1];
    }
    if (total != c) {
      return false;
    }
    long start = 0;
    for (int k = 0; k < sizes.length; k++) {
      long[] sources = new long[2 * Math.toIntExact(sizes[k])];
      for (int j = 0; j < sizes[k]; j++) {
        sources[2 * j + 1] = start + j;
      }
      if (!n.output(k).isEmpty()) {
        emitGather(n.name() + ":" + k, n.output(k), List.of(n.input(0)), sources);
      }
      start += sizes[k];
    }
    return true;
  }

  /**
   * A Slice of a blocked value along channels only, step 1 (opset 10+, constant bounds: what some exporters write
   * for torch.chunk instead of Split): a channel gather. Its size comes from shape inference.
   */
  private boolean channelSlice(Node n) {
    Long c = blockedChannels.get(n.input(0));
    if (c == null || opset < 10 || n.inputs().size() < 4) {
      return false;
    }
    long[] starts = constantLongs(n.input(1));
    long[] axes = constantLongs(n.input(3));
    long[] steps = n.inputs().size() > 4 && !n.input(4).isEmpty() ? constantLongs(n.input(4)) : new long[] {1};
    long[] y = knownDims(n.output(0));
    if (starts == null || axes == null || steps == null || y == null || y.length != 4 || starts.length != 1
        || axes.length != 1 || (axes[0] != 1 && axes[0] != -3) || steps.length != 1 || steps[0] != 1) {
      return false;
    }
    long start = Math.max(0, Math.min(c, starts[0] < 0 ? starts[0] + c : starts[0]));
    if (start + y[1] > c) {
      return false;
    }
    long[] sources = new long[2 * Math.toIntExact(y[1])];
    for (int j = 0; j < y[1]; j++) {
      sources[2 * j + 1] = start + j;
    }
    emitGather(n.name(), n.output(0), List.of(n.input(0)), sources);
    return true;
  }

  /**
   * The channel shuffle ShuffleNet writes as Reshape [N, g, C / g, ...] - Transpose (0, 2, 1, 3, 4) - Reshape
   * [N, C, H, W] of a blocked value, planned at the first Reshape as one channel gather: output channel j is input
   * channel (j % g) * (C / g) + j / g. Only where shape inference knows every shape and each step is the next one's
   * only reader.
   */
  private boolean channelShuffle(Node n) {
    Long c = blockedChannels.get(n.input(0));
    Node transpose = sourceIndex.soleConsumer(n.output(0));
    Node merge = transpose == null ? null : sourceIndex.soleConsumer(transpose.output(0));
    if (c == null || merge == null || !transpose.opType().equals("Transpose") || !merge.opType().equals("Reshape")
        || !transpose.domain().isEmpty() || !merge.domain().isEmpty()) {
      return false;
    }
    long[] x = knownDims(n.input(0));
    long[] grouped = knownDims(n.output(0));
    long[] y = knownDims(merge.output(0));
    long[] perm = transpose.attrInts("perm", null);
    if (x == null || grouped == null || y == null || grouped.length != 5 || !java.util.Arrays.equals(x, y)
        || grouped[0] != x[0] || grouped[1] * grouped[2] != c || grouped[3] * grouped[4] != x[2] * x[3]
        || !java.util.Arrays.equals(perm, new long[] {0, 2, 1, 3, 4})) {
      return false;
    }
    long groups = grouped[1];
    long perGroup = grouped[2];
    long[] sources = new long[2 * Math.toIntExact(c)];
    for (long j = 0; j < c; j++) {
      sources[2 * (int) j + 1] = (j % groups) * perGroup + j / groups;
    }
    consumed.add(transpose);
    consumed.add(merge);
    emitGather(n.name(), merge.output(0), List.of(n.input(0)), sources);
    return true;
  }

  /**
   * Emits NchwcGatherChannels writing `output` (blocked): channel j is channel sources[2j + 1] of inputs[sources[2j]].
   * An input that is itself a gather read by one source node is looked through, and its node dropped, so a Split,
   * a Concat and a shuffle in a row copy once (ShuffleNet's units then read the convolutions' outputs directly).
   */
  private void emitGather(String name, String output, List<String> inputs, long[] sources) {
    Map<String, Integer> reads = new LinkedHashMap<>();  // each value read, to its input index
    long[] composed = new long[sources.length];
    Set<Node> absorbed = new HashSet<>();
    Map<Node, long[]> innerSourcesOf = new java.util.IdentityHashMap<>();  // attrInts copies: once per gather
    for (int j = 0; j < sources.length / 2; j++) {
      String value = inputs.get((int) sources[2 * j]);
      long ch = sources[2 * j + 1];
      Node inner = gatherOf.get(value);
      if (inner != null && readers.getOrDefault(value, 0) == 1) {
        long[] innerSources = innerSourcesOf.computeIfAbsent(inner, x -> x.attrInts("sources", null));
        value = inner.input((int) innerSources[2 * (int) ch]).replace(SUFFIX, "");
        ch = innerSources[2 * (int) ch + 1];
        absorbed.add(inner);
      }
      Integer at = reads.get(value);
      if (at == null) {
        at = reads.size();
        reads.put(value, at);
      }
      composed[2 * j] = at;
      composed[2 * j + 1] = ch;
    }
    for (Node inner : absorbed) {
      if (dropped.add(inner)) {  // a Split's parts may both look through the same gather
        blockedNodes--;
      }
    }
    long[] inputChannels = reads.keySet().stream().mapToLong(blockedChannels::get).toArray();
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("channels", Attribute.ofInt("channels", sources.length / 2));
    attrs.put("input_channels", Attribute.ofInts("input_channels", inputChannels));
    attrs.put("sources", Attribute.ofInts("sources", composed));
    List<String> blockedReads = reads.keySet().stream().map(v -> v + SUFFIX).toList();
    gatherOf.put(output, emitBlocked(name, "NchwcGatherChannels", blockedReads, attrs, output, sources.length / 2));
  }

  /** A value's dimensions when shape inference knows all of them, else null. */
  private long[] knownDims(String value) {
    ValueInfo t = source.typeOf(value);
    Shape s = t == null ? null : t.concreteShape();
    return s == null ? null : s.dims();
  }

  private void emitBlocked(Node n, String op, List<String> inputs, Map<String, Attribute> attrs, long channels) {
    emitBlocked(n.name(), op, inputs, attrs, n.output(0), channels);
  }

  /** Emits a blocked node writing `output` (by original name) in NCHWc and returns it. */
  private Node emitBlocked(String name, String op, List<String> inputs, Map<String, Attribute> attrs, String output,
      long channels) {
    Node b = new Node(name, op, DOMAIN, inputs, List.of(output + SUFFIX), attrs);
    out.add(b);
    blockedChannels.put(output, channels);
    blockedNodes++;
    return b;
  }

  private static Node node(String op, List<String> inputs, List<String> outputs, Map<String, Attribute> attrs) {
    return new Node(op + ":" + inputs.get(0), op, DOMAIN, inputs, outputs, attrs);
  }
}

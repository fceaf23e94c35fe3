package io.edgewise.backend.cpu;

import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.exec.GraphInterpreter;
import io.edgewise.backend.reference.ReferenceBackend;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.shapes.ShapeInference;
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
 * Folds what a QDQ model puts between two quantized tensors into table lookups for the cpu device: a
 * DequantizeLinear (one scale and zero point) whose value feeds only float elementwise ops (a hard-swish written out
 * as x * Clip(x + 3, 0, 6) / 6, a scale and bias, Relu, Sigmoid, ...) that end in one QuantizeLinear (one scale and
 * zero point) maps each of the 256 possible input bytes to one output byte. Where the ops' other operands are
 * constants that vary at most along the channel axis (axis 1), that map is one table of 256 bytes per channel. The
 * tables are computed at compile time by running the nodes themselves on the reference kernels over every byte, so a
 * {@link #OP} node gives the reference's bytes exactly, in one pass over the 8-bit data instead of a dequantize, one
 * pass per float op and a quantize. A bare DequantizeLinear -> QuantizeLinear (a requantization) is folded too.
 */
final class QuantizedTables {
  /** The fused node: input the quantized tensor, output the quantized result; its tables are in {@link Result}. */
  static final String OP = "QuantizedLookup";
  /** A QLinearConv with the lookup that read its output fused in: the conv's inputs and attributes, and "to". */
  static final String CONV_OP = "QLinearConvLookup";
  /**
   * Lookups fold into the QLinearConv before them only with -Dedgewise.cpu.convLookups=true (read per compile): off
   * by default because on the OCR detector the fused pass measured slower than the separate lookup on the busy VM
   * (docs/benchmarks.md, branch int8b); it stays bit-exact either way.
   */
  private static boolean fuseConv() {
    return Boolean.getBoolean("edgewise.cpu.convLookups");
  }
  private static final int MAX_NODES = 32;
  private static final Set<String> ELEMENTWISE = Set.of("Add", "Sub", "Mul", "Div", "Max", "Min", "Pow", "Clip",
      "Relu", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Exp", "Log", "Sqrt", "Neg", "Abs",
      "Erf", "Softplus", "Softsign", "Elu", "Selu", "Celu", "Gelu", "Mish", "Identity", "Reciprocal", "Floor", "Ceil",
      "Round", "ThresholdedRelu");

  /** The model with the lookups fused and the tables they read (uint8 [params, 256], by output name; closed here). */
  record Result(Model model, Map<String, Tensor> tables) implements AutoCloseable {
    @Override
    public void close() {
      tables.values().forEach(Tensor::close);
    }
  }

  private final Graph g;
  private final Model model;
  private final Map<String, Node> producer = new HashMap<>();
  private final Map<String, List<Node>> readers = new HashMap<>();
  private final Set<String> graphOutputs;

  private QuantizedTables(Model model) {
    this.model = model;
    this.g = model.graph();
    this.graphOutputs = new HashSet<>(g.outputNames());
    for (Node n : g.nodes()) {
      n.outputs().forEach(o -> producer.put(o, n));
      n.inputs().forEach(i -> readers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
    }
  }

  /** Fuses every run it can; the model itself (and no tables) where there is none. */
  static Result fuse(Model model) {
    Graph g = model.graph();
    if (g.nodes().stream().noneMatch(n -> n.opType().equals("QuantizeLinear") && n.domain().isEmpty())) {
      return new Result(model, Map.of());
    }
    for (Node n : g.nodes()) {
      for (Attribute a : n.attributes().values()) {
        if (a.kind() == Attribute.Kind.GRAPH || a.kind() == Attribute.Kind.GRAPHS) {
          return new Result(model, Map.of());  // subgraphs read outer values by name
        }
      }
    }
    try {
      ShapeInference.infer(model);  // the data's rank, against which per-channel constants are aligned
    } catch (RuntimeException e) {
      // values left without a rank take scalar constants only
    }
    return new QuantizedTables(model).rewrite();
  }

  private Result rewrite() {
    Map<String, Tensor> tables = new LinkedHashMap<>();
    Map<Node, Node> replaced = new HashMap<>();
    Set<Node> dropped = new HashSet<>();
    try {
      for (Node q : g.nodes()) {
        if (!q.opType().equals("QuantizeLinear") || !q.domain().isEmpty() || dropped.contains(q)) {
          continue;
        }
        Run run = find(q);
        if (run == null) {
          continue;
        }
        Tensor table = tabulate(run);
        if (table == null) {
          continue;
        }
        tables.put(q.output(0), table);
        Map<String, Attribute> attrs = new LinkedHashMap<>();
        attrs.put("to", Attribute.ofInt("to", g.initializers().get(q.input(2)).dtype().onnxCode()));
        replaced.put(q, new Node(q.name(), OP, CpuElementwise.DOMAIN, List.of(run.dq.input(0)), q.outputs(), attrs));
        dropped.addAll(run.ops);
      }
    } catch (RuntimeException e) {
      tables.values().forEach(Tensor::close);
      throw e;
    }
    if (tables.isEmpty()) {
      return new Result(model, Map.of());
    }
    List<Node> out = new ArrayList<>();
    Set<String> read = new HashSet<>(graphOutputs);
    for (Node n : g.nodes()) {
      if (!dropped.contains(n)) {
        Node r = replaced.getOrDefault(n, n);
        out.add(r);
        read.addAll(r.inputs());
      }
    }
    // a DequantizeLinear left with no reader goes with the runs that read it
    out.removeIf(n -> n.opType().equals("DequantizeLinear") && n.domain().isEmpty() && !read.contains(n.output(0)));
    if (fuseConv()) {
      fuseIntoConvolutions(out);
    }
    Graph fused = new Graph(g.name());
    fused.nodes().addAll(out);
    fused.initializers().putAll(g.initializers());  // borrowed: the original model owns and closes them
    fused.inputs().addAll(g.inputs());
    fused.outputs().addAll(g.outputs());
    fused.valueInfo().putAll(g.valueInfo());
    return new Result(new Model(fused, model.opsetImports(), model.irVersion(), model.producerName(), model.source(),
        model.contentHash()), tables);
  }

  /**
   * A lookup whose input is a QLinearConv's output that nothing else reads (nor the graph's outputs) becomes part of
   * that convolution: one {@link #CONV_OP} node with the convolution's inputs and attributes and the lookup's output
   * (so its tables keep their key), which the cpu kernel runs as one output pass (requantize, then map each byte
   * while it is in cache) instead of writing the convolution's output and reading it back.
   */
  private void fuseIntoConvolutions(List<Node> nodes) {
    Map<String, Integer> readCount = new HashMap<>();
    for (Node n : nodes) {
      n.inputs().forEach(i -> readCount.merge(i, 1, Integer::sum));
    }
    Map<String, Node> conv = new HashMap<>();
    for (Node n : nodes) {
      if (n.opType().equals("QLinearConv") && n.domain().isEmpty() && n.outputs().size() == 1) {
        conv.put(n.output(0), n);
      }
    }
    Map<Node, Node> fusedConv = new HashMap<>();
    Set<Node> gone = new HashSet<>();
    for (Node n : nodes) {
      if (!n.opType().equals(OP) || !n.domain().equals(CpuElementwise.DOMAIN)) {
        continue;
      }
      Node c = conv.get(n.input(0));
      if (c == null || graphOutputs.contains(c.output(0)) || readCount.getOrDefault(c.output(0), 0) != 1) {
        continue;
      }
      Map<String, Attribute> attrs = new LinkedHashMap<>(c.attributes());
      attrs.put("to", n.attributes().get("to"));
      fusedConv.put(c, new Node(c.name(), CONV_OP, CpuElementwise.DOMAIN, c.inputs(), n.outputs(), attrs));
      gone.add(n);
    }
    nodes.replaceAll(n -> fusedConv.getOrDefault(n, n));
    nodes.removeAll(gone);
  }

  /** A run to tabulate: its DequantizeLinear, its float ops in graph order, its QuantizeLinear, the channels. */
  private record Run(Node dq, List<Node> ops, Node q, long channels, int rank) {}

  /** The run ending in q, or null when q does not end one. */
  private Run find(Node q) {
    if (!perTensor(q) || q.hasAttr("output_dtype") || q.hasAttr("saturate")) {
      return null;
    }
    Set<Node> group = new HashSet<>();
    List<String> pending = new ArrayList<>(List.of(q.input(0)));
    Node dq = null;
    while (!pending.isEmpty()) {
      String v = pending.remove(pending.size() - 1);
      Node p = producer.get(v);
      if (p == null || graphOutputs.contains(v)) {
        return null;
      }
      if (p.opType().equals("DequantizeLinear") && p.domain().isEmpty()) {
        if (dq != null && dq != p || !perTensor(p) || p.hasAttr("output_dtype")) {
          return null;
        }
        dq = p;
        continue;
      }
      if (!p.domain().isEmpty() || !ELEMENTWISE.contains(p.opType()) || p.outputs().size() != 1
          || group.size() >= MAX_NODES) {
        return null;
      }
      if (group.add(p)) {
        for (String in : p.inputs()) {
          if (!in.isEmpty() && !g.isInitializer(in)) {
            pending.add(in);
          }
        }
      }
    }
    if (dq == null) {
      return null;
    }
    // every value inside the run is read only inside it (the last one only by q)
    for (Node n : group) {
      for (Node r : readers.getOrDefault(n.output(0), List.of())) {
        if (r != q && !group.contains(r)) {
          return null;
        }
      }
    }
    List<Node> ops = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (group.contains(n)) {
        ops.add(n);
      }
    }
    // the constants: scalars, or varying along the channel axis only (right-aligned against the data's rank)
    ValueInfo info = g.typeOf(dq.output(0));
    int rank = info != null && info.hasRank() ? info.dims().size() : -1;
    long channels = 1;
    for (Node n : ops) {
      for (String in : n.inputs()) {
        Tensor c = in.isEmpty() ? null : g.initializers().get(in);
        if (c == null || c.size() == 1) {
          continue;
        }
        int cr = c.shape().rank();
        if (rank < 2 || cr > rank) {
          return null;
        }
        for (int d = 0; d < cr; d++) {
          long extent = c.shape().dim(d);
          int axis = d + rank - cr;
          if (axis == 1 && extent > 1) {
            if (channels != 1 && channels != extent) {
              return null;
            }
            channels = extent;
          } else if (extent != 1) {
            return null;
          }
        }
      }
    }
    return new Run(dq, ops, q, channels, rank);
  }

  /** One scale (float32) and one 8-bit zero point, both constants. */
  private boolean perTensor(Node n) {
    if (n.inputs().size() < 3 || n.input(2).isEmpty() || n.hasAttr("block_size")) {
      return false;
    }
    Tensor s = g.initializers().get(n.input(1));
    Tensor z = g.initializers().get(n.input(2));
    return s != null && z != null && s.dtype() == DType.FLOAT32 && s.size() == 1 && z.size() == 1
        && (z.dtype() == DType.UINT8 || z.dtype() == DType.INT8);
  }

  /**
   * The run's tables (uint8 [channels, 256], entry b the output byte for the input byte b), from the run's own nodes
   * on the reference kernels over an input holding every byte once per channel: [256, channels, 1, ...] at the data's
   * rank, so constants that vary along axis 1 broadcast as they do over the real data. Null where the reference
   * refuses the run (it then runs node by node and reports its own error).
   */
  private Tensor tabulate(Run run) {
    Tensor zero = g.initializers().get(run.dq.input(2));
    DType in = zero.dtype();
    DType outType = g.initializers().get(run.q.input(2)).dtype();
    long c = run.channels;
    int rank = Math.max(run.rank, 1);
    long[] dims = new long[rank];
    java.util.Arrays.fill(dims, 1);
    dims[0] = 256;
    if (c > 1) {
      dims[1] = c;
    }
    if (run.rank < 2) {
      dims = new long[] {256};  // scalar constants only: any rank broadcasts alike
      rank = 1;
    }
    Graph mini = new Graph(g.name() + "/lookup");
    String x = run.dq.input(0);
    mini.inputs().add(ValueInfo.tensor(x, in, Shape.of(dims)));
    mini.nodes().add(run.dq);
    mini.nodes().addAll(run.ops);
    mini.nodes().add(run.q);
    mini.outputs().add(ValueInfo.tensor(run.q.output(0), outType));
    for (Node n : mini.nodes()) {
      for (String name : n.inputs()) {
        Tensor t = name.isEmpty() ? null : g.initializers().get(name);
        if (t != null) {
          mini.initializers().put(name, t);  // borrowed
        }
      }
    }
    Model m = new Model(mini, model.opsetImports(), model.irVersion(), model.producerName(), model.source(), null);
    Tensor bytes = Tensor.allocate(in, Shape.of(dims));
    Tensor table = null;
    try (GraphInterpreter ref = new GraphInterpreter(m, ReferenceBackend.registry(), BackendOptions.defaults())) {
      for (long b = 0; b < 256; b++) {
        for (long ch = 0; ch < c; ch++) {
          bytes.setLong(b * c + ch, in == DType.UINT8 ? b : (byte) b);
        }
      }
      Map<String, Tensor> result = ref.run(Map.of(x, bytes));
      Tensor y = result.get(run.q.output(0));
      try {
        if (y == null || y.size() != 256 * c || (y.dtype() != DType.UINT8 && y.dtype() != DType.INT8)) {
          return null;
        }
        table = Tensor.allocate(DType.UINT8, Shape.of(c, 256));
        for (long b = 0; b < 256; b++) {
          for (long ch = 0; ch < c; ch++) {
            table.setLong(ch * 256 + b, y.getLong(b * c + ch) & 0xff);
          }
        }
        return table;
      } finally {
        result.values().forEach(Tensor::close);
      }
    } catch (RuntimeException e) {
      if (table != null) {
        table.close();
      }
      return null;
    } finally {
      bytes.close();
    }
  }
}

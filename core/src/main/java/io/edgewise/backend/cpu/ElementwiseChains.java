package io.edgewise.backend.cpu;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.shapes.ShapeInference;
import io.edgewise.nativecore.NativeCore;
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
 * Plans fused elementwise chains for the cpu device: float32 elementwise nodes (Add, Sub, Mul, Div, Max, Min, Clip
 * with constant bounds, Relu, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Sqrt, Neg, Pow by 2) whose intermediate
 * values feed only each other become one {@link CpuElementwise#CHAIN} node that reads its operands and writes its
 * output once (ew_eltwise). The PaddleOCR detector writes hard-swish out as x * Clip(x + 3, 0, 6) / 6 between a
 * scale and bias on each side of every convolution: eight nodes, eight passes over the activations on the reference
 * kernels, 81% of its time.
 *
 * <p>A chain's output shape is the broadcast of its operands: elementwise ops commute with broadcasting, so
 * computing every intermediate at the output's shape gives the values the nodes give one at a time. Only chains
 * whose every value has a known float32 type are fused, with one value leaving the chain (the last node's output).
 */
final class ElementwiseChains {
  private static final int MAX_OPERANDS = 16;

  private final Graph source;
  private final int opset;
  private final List<Node> nodes;
  private final Map<String, Integer> producer = new HashMap<>();
  private final Map<String, List<Integer>> readers = new HashMap<>();
  private final Set<String> graphOutputs;

  private ElementwiseChains(Graph source, int opset) {
    this.source = source;
    this.opset = opset;
    this.nodes = source.nodes();
    this.graphOutputs = new HashSet<>(source.outputNames());
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      for (String o : n.outputs()) {
        producer.put(o, i);
      }
      for (String in : n.inputs()) {
        readers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
      }
    }
  }

  /** The model with its chains fused, or the model itself when there are none. */
  static Model fuse(Model model) {
    Graph g = model.graph();
    for (Node n : g.nodes()) {
      for (Attribute a : n.attributes().values()) {
        if (a.kind() == Attribute.Kind.GRAPH || a.kind() == Attribute.Kind.GRAPHS) {
          return model;  // subgraphs read outer values by name
        }
      }
    }
    try {
      ShapeInference.infer(model);  // the value types that say which chains are float32 (the graph passes' too)
    } catch (RuntimeException e) {
      // values left without a type are not fused
    }
    ElementwiseChains c = new ElementwiseChains(g, Math.toIntExact(model.opsetImports().getOrDefault("", 13L)));
    List<Node> rewritten = c.rewrite();
    if (rewritten == null) {
      return model;
    }
    Graph out = new Graph(g.name());
    out.nodes().addAll(rewritten);
    out.initializers().putAll(g.initializers());  // borrowed: the original model owns and closes them
    out.inputs().addAll(g.inputs());
    out.outputs().addAll(g.outputs());
    out.valueInfo().putAll(g.valueInfo());
    return new Model(out, model.opsetImports(), model.irVersion(), model.producerName(), model.source(),
        model.contentHash());
  }

  /** The node list with chains fused, or null when nothing was fused. */
  private List<Node> rewrite() {
    int count = nodes.size();
    boolean[] fusable = new boolean[count];
    for (int i = 0; i < count; i++) {
      fusable[i] = fusable(nodes.get(i));
    }
    // a value in `boundary` joins no groups: where a group would let two values out, the inputs of the node that
    // lets out the earlier one become boundaries and the groups are formed again (an exporter's LayerNorm: x - mean
    // feeds both the variance's Pow, read by a ReduceMean, and the Div after it)
    Set<String> boundary = new HashSet<>();
    Map<Integer, Node> fusedAt = new HashMap<>();  // the fused node, at the index of its group's last node
    Set<Integer> dropped = new HashSet<>();
    for (int round = 0; round < count; round++) {
      int[] parent = new int[count];
      for (int i = 0; i < count; i++) {
        parent[i] = i;
      }
      for (int i = 0; i < count; i++) {
        if (!fusable[i]) {
          continue;
        }
        for (String v : dataInputs(nodes.get(i))) {
          Integer p = producer.get(v);
          if (p == null || !fusable[p] || graphOutputs.contains(v) || boundary.contains(v)) {
            continue;
          }
          boolean allFusable = true;
          for (int r : readers.get(v)) {
            allFusable &= fusable[r];
          }
          if (allFusable) {
            parent[find(parent, p)] = find(parent, i);
          }
        }
      }
      Map<Integer, List<Integer>> groups = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        if (fusable[i]) {
          groups.computeIfAbsent(find(parent, i), k -> new ArrayList<>()).add(i);
        }
      }
      boolean cut = false;
      for (List<Integer> members : groups.values()) {
        Set<Integer> inGroup = new HashSet<>(members);
        for (int i : members.subList(0, members.size() - 1)) {
          if (leaves(nodes.get(i).output(0), inGroup)) {
            for (String v : dataInputs(nodes.get(i))) {
              Integer p = producer.get(v);
              cut |= p != null && inGroup.contains(p) && boundary.add(v);
            }
          }
        }
      }
      if (cut) {
        continue;
      }
      for (List<Integer> members : groups.values()) {
        Node fused = members.size() < 2 ? null : compile(members);
        if (fused != null) {
          fusedAt.put(members.get(members.size() - 1), fused);
          dropped.addAll(members);
        }
      }
      break;
    }
    if (fusedAt.isEmpty()) {
      return null;
    }
    List<Node> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (fusedAt.containsKey(i)) {
        out.add(fusedAt.get(i));
      } else if (!dropped.contains(i)) {
        out.add(nodes.get(i));
      }
    }
    return out;
  }

  /** Whether a group's value is read outside the group or is a graph output. */
  private boolean leaves(String value, Set<Integer> inGroup) {
    if (graphOutputs.contains(value)) {
      return true;
    }
    for (int r : readers.getOrDefault(value, List.of())) {
      if (!inGroup.contains(r)) {
        return true;
      }
    }
    return false;
  }

  private static int find(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }

  /** The inputs a node computes with (Clip's bounds and Pow's exponent are constants of the instruction). */
  private static List<String> dataInputs(Node n) {
    return switch (n.opType()) {
      case "Add", "Sub", "Mul", "Div", "Max", "Min" -> n.inputs();
      default -> List.of(n.input(0));
    };
  }

  private boolean isFloat32(String value) {
    Tensor t = source.initializers().get(value);
    if (t != null) {
      return t.dtype() == DType.FLOAT32;
    }
    ValueInfo info = source.typeOf(value);
    return info != null && info.dtype() == DType.FLOAT32;
  }

  private boolean fusable(Node n) {
    if (!n.domain().isEmpty() || n.outputs().size() != 1 || n.inputs().isEmpty() || !isFloat32(n.output(0))) {
      return false;
    }
    boolean shape = switch (n.opType()) {
      case "Add", "Sub", "Mul", "Div", "Max", "Min" -> n.inputs().size() == 2;
      case "Relu", "Sigmoid", "HardSigmoid", "HardSwish", "Sqrt", "Neg", "LeakyRelu" -> n.inputs().size() == 1;
      case "Clip" -> clipBounds(n) != null;
      case "Pow" -> n.inputs().size() == 2 && squares(n);
      default -> false;
    };
    if (!shape) {
      return false;
    }
    for (String in : dataInputs(n)) {
      if (in.isEmpty() || !isFloat32(in)) {
        return false;
      }
    }
    return true;
  }

  /** Pow(x, 2) with the exponent a float32 constant: x * x (Math.pow(x, 2) in double rounds to the same float). */
  private boolean squares(Node n) {
    Tensor e = source.initializers().get(n.input(1));
    return e != null && e.dtype() == DType.FLOAT32 && e.size() == 1 && e.toFloatArray()[0] == 2f;
  }

  /** Clip's bounds when they are constants (attributes before opset 11, scalar initializers after), else null. */
  private float[] clipBounds(Node n) {
    if (opset < 11) {
      return new float[] {n.attrFloat("min", -Float.MAX_VALUE), n.attrFloat("max", Float.MAX_VALUE)};
    }
    float[] b = {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
    for (int i = 1; i < 3; i++) {
      if (n.inputs().size() <= i || n.input(i).isEmpty()) {
        continue;
      }
      Tensor t = source.initializers().get(n.input(i));
      if (t == null || t.dtype() != DType.FLOAT32 || t.size() != 1) {
        return null;
      }
      b[i - 1] = t.toFloatArray()[0];
    }
    return b;
  }

  /** The fused node of a group (members in graph order), or null when it cannot be one program. */
  private Node compile(List<Integer> members) {
    Set<String> internal = new HashSet<>();
    for (int i : members) {
      internal.add(nodes.get(i).output(0));
    }
    Set<Integer> inGroup = new HashSet<>(members);
    Node last = nodes.get(members.get(members.size() - 1));
    for (int i : members) {
      String v = nodes.get(i).output(0);
      boolean leaves = graphOutputs.contains(v);
      for (int r : readers.getOrDefault(v, List.of())) {
        leaves |= !inGroup.contains(r);
      }
      if (leaves && nodes.get(i) != last) {
        return null;  // two values leave the chain
      }
    }
    Map<String, Integer> lastUse = new HashMap<>();
    for (int j = 0; j < members.size(); j++) {
      for (String in : dataInputs(nodes.get(members.get(j)))) {
        if (internal.contains(in)) {
          lastUse.put(in, j);
        }
      }
    }
    List<String> operands = new ArrayList<>();
    Map<String, Integer> register = new HashMap<>();
    boolean[] busy = new boolean[NativeCore.ELTWISE_REGISTERS];
    long[] code = new long[4 * members.size()];
    float[] imm = new float[2 * members.size()];
    for (int j = 0; j < members.size(); j++) {
      Node n = nodes.get(members.get(j));
      List<String> ins = dataInputs(n);
      int[] src = new int[2];
      for (int s = 0; s < ins.size(); s++) {
        String v = ins.get(s);
        if (internal.contains(v)) {
          src[s] = register.get(v);
        } else {
          if (!operands.contains(v)) {
            operands.add(v);
          }
          src[s] = NativeCore.ELTWISE_REGISTERS + operands.indexOf(v);
        }
      }
      if (operands.size() > MAX_OPERANDS) {
        return null;
      }
      for (String v : ins) {
        if (internal.contains(v) && lastUse.get(v) == j) {
          busy[register.get(v)] = false;  // read in this op for the last time: its output may take the register
        }
      }
      int dst = 0;
      while (dst < busy.length && busy[dst]) {
        dst++;
      }
      if (dst == busy.length) {
        return null;
      }
      busy[dst] = true;
      register.put(n.output(0), dst);
      int op = opcode(n, imm, 2 * j);
      code[4 * j] = op;
      code[4 * j + 1] = dst;
      code[4 * j + 2] = src[0];
      code[4 * j + 3] = n.opType().equals("Pow") ? src[0] : ins.size() > 1 ? src[1] : 0;
    }
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("code", Attribute.ofInts("code", code));
    attrs.put("imm", Attribute.ofFloats("imm", imm));
    List<String> names = new ArrayList<>();
    for (int i : members) {
      names.add(nodes.get(i).opType());
    }
    attrs.put("ops", Attribute.ofStrings("ops", names));
    return new Node(last.name(), CpuElementwise.CHAIN, CpuElementwise.DOMAIN, operands, List.of(last.output(0)),
        attrs);
  }

  /** The EW_ELT_* op of a node, its constants written to imm[at], imm[at + 1]. */
  private int opcode(Node n, float[] imm, int at) {
    switch (n.opType()) {
      case "Add":
        return CpuElementwise.ADD;
      case "Sub":
        return CpuElementwise.SUB;
      case "Mul", "Pow":
        return CpuElementwise.MUL;
      case "Div":
        return CpuElementwise.DIV;
      case "Max":
        return CpuElementwise.MAX;
      case "Min":
        return CpuElementwise.MIN;
      case "Clip": {
        float[] b = clipBounds(n);
        imm[at] = b[0];
        imm[at + 1] = b[1];
        return CpuElementwise.CLIP;
      }
      case "Relu":
        return CpuElementwise.RELU;
      case "LeakyRelu":
        imm[at] = n.attrFloat("alpha", 0.01f);
        return CpuElementwise.LEAKY_RELU;
      case "Sigmoid":
        return CpuElementwise.SIGMOID;
      case "HardSigmoid":
        imm[at] = n.attrFloat("alpha", 0.2f);
        imm[at + 1] = n.attrFloat("beta", 0.5f);
        return CpuElementwise.HARD_SIGMOID;
      case "HardSwish":
        return CpuElementwise.HARD_SWISH;
      case "Sqrt":
        return CpuElementwise.SQRT;
      case "Neg":
        return CpuElementwise.NEG;
      default:
        throw new IllegalStateException("not an elementwise op: " + n.opType());
    }
  }
}

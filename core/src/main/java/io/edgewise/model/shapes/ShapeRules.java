package io.edgewise.model.shapes;

import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The per-op shape rules used by {@link ShapeInference}. */
final class ShapeRules {
  /** Thrown by a rule when an input it needs has no known type. */
  static final class Unknown extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unknown() {
      super(null, null, false, false);
    }
  }

  @FunctionalInterface
  interface Rule {
    List<ValueInfo> apply(Context ctx);
  }

  /**
   * What a rule may look at: the node, the types known so far, constant tensors (initializers and Constant nodes'
   * values) and the values of small integer tensors (shape arithmetic: Shape, Gather, Concat, ...), whose elements
   * may be symbolic dims.
   */
  record Context(Node node, int opset, Map<String, ValueInfo> known, Map<String, Tensor> constants,
      Map<String, List<ShapeValues.Val>> values) {
    ValueInfo input(int i) {
      ValueInfo v = node.hasInput(i) ? known.get(node.input(i)) : null;
      if (v == null || !v.isSupported() || !v.hasRank()) {
        throw new Unknown();
      }
      return v;
    }

    Tensor constant(int i) {
      return node.hasInput(i) ? constants.get(node.input(i)) : null;
    }

    /** The elements of an integer input (constant or computed from shapes); symbolic where they are. */
    List<ShapeValues.Val> value(int i) {
      List<ShapeValues.Val> v = node.hasInput(i) ? ShapeValues.of(node.input(i), constants, values) : null;
      if (v == null) {
        throw new Unknown();
      }
      return v;
    }

    /** The elements of an integer input when every one is a known number. */
    long[] constantLongs(int i) {
      List<ShapeValues.Val> v = value(i);
      long[] out = new long[v.size()];
      for (int k = 0; k < out.length; k++) {
        if (v.get(k).number() == null) {
          throw new Unknown();
        }
        out[k] = v.get(k).number();
      }
      return out;
    }
  }

  private static final Map<String, Rule> RULES = new HashMap<>();

  private static final Set<String> SAME_AS_INPUT = Set.of("Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid",
      "HardSwish", "Elu", "Softmax", "LogSoftmax", "Clip", "Identity", "Neg", "Abs", "Sqrt", "Exp", "Log",
      "Reciprocal", "Floor", "Ceil", "Erf", "LRN", "Selu", "Softplus", "Softsign", "Sin", "Cos", "Sign", "Round");
  private static final Set<String> BROADCAST = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum",
      "Mean", "PRelu", "Mod");
  private static final Set<String> COMPARE = Set.of("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
      "And", "Or", "Xor");

  static {
    SAME_AS_INPUT.forEach(op -> RULES.put(op, ctx -> List.of(ctx.input(0))));
    BROADCAST.forEach(op -> RULES.put(op, ShapeRules::broadcastAll));
    COMPARE.forEach(op -> RULES.put(op, ctx -> List.of(retype(broadcastAll(ctx).get(0), DType.BOOL))));
    RULES.put("Not", ctx -> List.of(ctx.input(0)));
    RULES.put("Dropout", ctx -> List.of(ctx.input(0), retype(ctx.input(0), DType.BOOL)));
    RULES.put("BatchNormalization", ctx -> List.of(ctx.input(0), ctx.input(3), ctx.input(4)));
    RULES.put("Cast", ctx -> List.of(retype(ctx.input(0), DType.fromOnnx((int) ctx.node().attrInt("to", 1)))));
    RULES.put("Conv", ctx -> List.of(ConvShapes.conv(ctx, ctx.input(0).dtype())));
    RULES.put("io.edgewise.FusedConv", ctx -> List.of(ConvShapes.conv(ctx, ctx.input(0).dtype())));
    RULES.put("ConvInteger", ctx -> List.of(ConvShapes.conv(ctx, DType.INT32)));
    RULES.put("QLinearConv", ctx -> List.of(QLinearConvShape.of(ctx)));
    RULES.put("ConvTranspose", ctx -> List.of(ConvShapes.convTranspose(ctx)));
    RULES.put("MaxPool", ctx -> {
      ValueInfo y = ConvShapes.pool(ctx);
      return List.of(y, retype(y, DType.INT64));
    });
    RULES.put("AveragePool", ctx -> List.of(ConvShapes.pool(ctx)));
    RULES.put("GlobalAveragePool", ShapeRules::globalPool);
    RULES.put("GlobalMaxPool", ShapeRules::globalPool);
    RULES.put("Gemm", ShapeRules::gemm);
    RULES.put("MatMul", ctx -> List.of(matmul(ctx, ctx.input(0).dtype())));
    RULES.put("MatMulInteger", ctx -> List.of(matmul(ctx, DType.INT32)));
    RULES.put("Flatten", ShapeRules::flatten);
    RULES.put("Reshape", ShapeRules::reshape);
    RULES.put("Transpose", ShapeRules::transpose);
    RULES.put("Concat", ShapeRules::concat);
    RULES.put("Unsqueeze", ShapeRules::unsqueeze);
    RULES.put("Squeeze", ShapeRules::squeeze);
    RULES.put("Shape", ctx -> {
      // opset 15's start and end (negative from the back, clamped to the rank) pick a slice of the dims
      int rank = ctx.input(0).dims().size();
      long start = ShapeValues.clampAxis(ctx.node().attrInt("start", 0), rank);
      long end = ShapeValues.clampAxis(ctx.node().attrInt("end", rank), rank);
      return List.of(tensor(DType.INT64, Dim.of(Math.max(end - start, 0))));
    });
    RULES.put("Constant", ShapeRules::constantNode);
    RULES.put("QuantizeLinear", ctx -> {
      long outputDtype = ctx.node().attrInt("output_dtype", 0);  // opset 21
      DType t = ctx.node().hasInput(2) ? ctx.input(2).dtype()
          : outputDtype != 0 ? DType.fromOnnx((int) outputDtype) : DType.UINT8;
      return List.of(retype(ctx.input(0), t));
    });
    RULES.put("DequantizeLinear", ctx -> List.of(retype(ctx.input(0), ctx.input(1).dtype())));
    RULES.put("Gather", ctx -> List.of(DataShapes.gather(ctx)));
    RULES.put("Slice", ctx -> List.of(SliceShape.of(ctx)));
    RULES.put("ConstantOfShape", ctx -> List.of(DataShapes.constantOfShape(ctx)));
    RULES.put("Expand", ctx -> List.of(DataShapes.expand(ctx)));
    RULES.put("Tile", ctx -> List.of(DataShapes.tile(ctx)));
    RULES.put("Pad", ctx -> List.of(DataShapes.pad(ctx)));
    RULES.put("Resize", ctx -> List.of(DataShapes.resize(ctx)));
    RULES.put("Upsample", ctx -> List.of(DataShapes.upsample(ctx)));
    IndexShapes.addTo(RULES);
    RULES.put("Split", DataShapes::split);
    RULES.put("Size", ctx -> List.of(tensor(DType.INT64)));
    RULES.put("Where", ctx -> {
      List<Dim> dims = broadcast(broadcast(ctx.input(0).dims(), ctx.input(1).dims()), ctx.input(2).dims());
      return List.of(tensor(ctx.input(1).dtype(), dims));
    });
    RULES.put("ReduceMean", ShapeRules::reduce);
    RULES.put("ReduceSum", ShapeRules::reduce);
    RULES.put("ReduceMax", ShapeRules::reduce);
    RULES.put("ReduceMin", ShapeRules::reduce);
    RULES.put("ReduceProd", ShapeRules::reduce);
  }

  private ShapeRules() {}

  static Rule forOp(String domain, String opType) {
    return RULES.get(domain.isEmpty() ? opType : domain + "." + opType);
  }

  static ValueInfo tensor(DType dtype, Dim... dims) {
    return new ValueInfo("", dtype, List.of(dims), null);
  }

  static ValueInfo tensor(DType dtype, List<Dim> dims) {
    return new ValueInfo("", dtype, dims, null);
  }

  static ValueInfo retype(ValueInfo v, DType dtype) {
    return new ValueInfo(v.name(), dtype, v.dims(), null);
  }

  /** numpy broadcasting over symbolic dims: equal dims stay, 1 yields to the other, otherwise unknown. */
  static List<Dim> broadcast(List<Dim> a, List<Dim> b) {
    int rank = Math.max(a.size(), b.size());
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < rank; i++) {
      Dim da = i < rank - a.size() ? Dim.of(1) : a.get(i - (rank - a.size()));
      Dim db = i < rank - b.size() ? Dim.of(1) : b.get(i - (rank - b.size()));
      if (da.equals(db)) {
        out.add(da);
      } else if (da.isKnown() && da.value() == 1) {
        out.add(db);
      } else if (db.isKnown() && db.value() == 1) {
        out.add(da);
      } else if (da.isKnown() && db.isKnown()) {
        throw io.edgewise.EdgewiseException.invalidModel("shapes " + a + " and " + b + " cannot be broadcast");
      } else {
        out.add(da.isKnown() ? da : db.isKnown() ? db : Dim.unknown());
      }
    }
    return out;
  }

  private static List<ValueInfo> broadcastAll(Context ctx) {
    ValueInfo first = ctx.input(0);
    List<Dim> dims = first.dims();
    for (int i = 1; i < ctx.node().inputs().size(); i++) {
      try {
        dims = broadcast(dims, ctx.input(i).dims());
      } catch (io.edgewise.EdgewiseException e) {
        throw io.edgewise.EdgewiseException.invalidModel(ctx.node().describe() + ": " + e.getMessage()
            .replaceFirst("^\\[\\w+\\] ", ""));
      }
    }
    return List.of(tensor(first.dtype(), dims));
  }

  private static List<ValueInfo> globalPool(Context ctx) {
    ValueInfo x = ctx.input(0);
    List<Dim> dims = new ArrayList<>(x.dims());
    for (int i = 2; i < dims.size(); i++) {
      dims.set(i, Dim.of(1));
    }
    return List.of(tensor(x.dtype(), dims));
  }

  private static List<ValueInfo> gemm(Context ctx) {
    ValueInfo a = ctx.input(0);
    ValueInfo b = ctx.input(1);
    boolean ta = ctx.node().attrInt("transA", 0) == 1;
    boolean tb = ctx.node().attrInt("transB", 0) == 1;
    return List.of(tensor(a.dtype(), a.dims().get(ta ? 1 : 0), b.dims().get(tb ? 0 : 1)));
  }

  private static ValueInfo matmul(Context ctx, DType dtype) {
    List<Dim> a = ctx.input(0).dims();
    List<Dim> b = ctx.input(1).dims();
    List<Dim> a2 = a.size() == 1 ? List.of(Dim.of(1), a.get(0)) : a;
    List<Dim> b2 = b.size() == 1 ? List.of(b.get(0), Dim.of(1)) : b;
    List<Dim> batch = broadcast(a2.subList(0, a2.size() - 2), b2.subList(0, b2.size() - 2));
    List<Dim> out = new ArrayList<>(batch);
    if (a.size() > 1) {
      out.add(a2.get(a2.size() - 2));
    }
    if (b.size() > 1) {
      out.add(b2.get(b2.size() - 1));
    }
    return tensor(dtype, out);
  }

  /** Product of dims: known when all are; a lone symbol times known ones equal to 1 stays that symbol. */
  static Dim product(List<Dim> dims) {
    long p = 1;
    Dim symbol = null;
    for (Dim d : dims) {
      if (d.isKnown()) {
        p *= d.value();
      } else if (symbol == null && d.param() != null) {
        symbol = d;
      } else {
        return Dim.unknown();
      }
    }
    if (symbol == null) {
      return Dim.of(p);
    }
    return p == 1 ? symbol : Dim.unknown();
  }

  private static List<ValueInfo> flatten(Context ctx) {
    ValueInfo x = ctx.input(0);
    int rank = x.dims().size();
    int axis = (int) ctx.node().attrInt("axis", 1);
    axis = axis < 0 ? axis + rank : axis;
    return List.of(tensor(x.dtype(), product(x.dims().subList(0, axis)), product(x.dims().subList(axis, rank))));
  }

  private static List<ValueInfo> reshape(Context ctx) {
    ValueInfo x = ctx.input(0);
    List<ShapeValues.Val> target;
    if (ctx.opset() < 5) {
      long[] attr = ctx.node().attrInts("shape", null);
      if (attr == null) {
        throw new Unknown();
      }
      target = new ArrayList<>();
      for (long v : attr) {
        target.add(ShapeValues.Val.of(v));
      }
    } else {
      target = ctx.value(1);
    }
    boolean allowZero = ctx.node().attrInt("allowzero", 0) == 1;
    List<Dim> out = new ArrayList<>();
    int inferred = -1;
    for (int i = 0; i < target.size(); i++) {
      ShapeValues.Val t = target.get(i);
      if (t.number() != null && t.number() == 0 && !allowZero && i < x.dims().size()) {
        out.add(x.dims().get(i));
      } else if (t.number() != null && t.number() == -1) {
        inferred = i;
        out.add(Dim.unknown());
      } else {
        out.add(t.toDim());
      }
    }
    if (inferred >= 0) {
      List<Dim> rest = new ArrayList<>(out);
      rest.remove(inferred);
      out.set(inferred, quotient(x.dims(), rest));
    }
    return List.of(tensor(x.dtype(), out));
  }

  /**
   * The dim that makes product(rest) * d == product(all), for Reshape's -1: symbols present on both sides cancel
   * (a Reshape to [N, -1] of [N, 512, 1, 1] gives 512); one symbol left over on the input side is the answer when
   * the known products match.
   */
  static Dim quotient(List<Dim> all, List<Dim> rest) {
    List<Dim> a = new ArrayList<>(all);
    List<Dim> b = new ArrayList<>();
    for (Dim d : rest) {
      if (!d.isKnown() && d.param() != null && a.contains(d)) {
        a.remove(d);
      } else {
        b.add(d);
      }
    }
    Dim pa = product(a);
    Dim pb = product(b);
    if (pa.isKnown() && pb.isKnown() && pb.value() != 0 && pa.value() % pb.value() == 0) {
      return Dim.of(pa.value() / pb.value());
    }
    if (!pa.isKnown() && pa.param() != null && pb.isKnown() && pb.value() == 1) {
      return pa;
    }
    return Dim.unknown();
  }

  private static List<ValueInfo> transpose(Context ctx) {
    ValueInfo x = ctx.input(0);
    int rank = x.dims().size();
    long[] perm = ctx.node().attrInts("perm", null);
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < rank; i++) {
      out.add(x.dims().get(perm == null ? rank - 1 - i : (int) perm[i]));
    }
    return List.of(tensor(x.dtype(), out));
  }

  private static List<ValueInfo> concat(Context ctx) {
    ValueInfo first = ctx.input(0);
    int rank = first.dims().size();
    int axis = (int) ctx.node().attrInt("axis", 0);
    axis = axis < 0 ? axis + rank : axis;
    List<Dim> out = new ArrayList<>(first.dims());
    List<Dim> along = new ArrayList<>();
    for (int i = 0; i < ctx.node().inputs().size(); i++) {
      along.add(ctx.input(i).dims().get(axis));
    }
    long sum = 0;
    for (Dim d : along) {
      if (!d.isKnown()) {
        out.set(axis, Dim.unknown());
        return List.of(tensor(first.dtype(), out));
      }
      sum += d.value();
    }
    out.set(axis, Dim.of(sum));
    return List.of(tensor(first.dtype(), out));
  }

  private static long[] axes(Context ctx) {
    return ctx.opset() >= 13 ? (ctx.node().hasInput(1) ? ctx.constantLongs(1) : null)
        : ctx.node().attrInts("axes", null);
  }

  private static List<ValueInfo> unsqueeze(Context ctx) {
    ValueInfo x = ctx.input(0);
    long[] axes = axes(ctx);
    if (axes == null) {
      throw new Unknown();
    }
    int outRank = x.dims().size() + axes.length;
    boolean[] inserted = new boolean[outRank];
    for (long a : axes) {
      inserted[(int) (a < 0 ? a + outRank : a)] = true;
    }
    List<Dim> out = new ArrayList<>();
    int src = 0;
    for (int i = 0; i < outRank; i++) {
      out.add(inserted[i] ? Dim.of(1) : x.dims().get(src++));
    }
    return List.of(tensor(x.dtype(), out));
  }

  private static List<ValueInfo> squeeze(Context ctx) {
    ValueInfo x = ctx.input(0);
    long[] axes = axes(ctx);
    int rank = x.dims().size();
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < rank; i++) {
      final int axis = i;
      boolean drop = axes == null ? x.dims().get(i).isKnown() && x.dims().get(i).value() == 1
          : Arrays.stream(axes).anyMatch(a -> (a < 0 ? a + rank : a) == axis);
      if (axes == null && !x.dims().get(i).isKnown()) {
        throw new Unknown();  // cannot tell whether a symbolic dim is 1
      }
      if (!drop) {
        out.add(x.dims().get(i));
      }
    }
    return List.of(tensor(x.dtype(), out));
  }

  private static List<ValueInfo> constantNode(Context ctx) {
    var value = ctx.node().attr("value");
    if (value != null) {
      Tensor t = value.asTensor();
      return List.of(ValueInfo.tensor("", t.dtype(), t.shape()));
    }
    if (ctx.node().hasAttr("value_float")) {
      return List.of(tensor(DType.FLOAT32));
    }
    if (ctx.node().hasAttr("value_int")) {
      return List.of(tensor(DType.INT64));
    }
    if (ctx.node().hasAttr("value_floats")) {
      return List.of(tensor(DType.FLOAT32, Dim.of(ctx.node().attrFloats("value_floats", null).length)));
    }
    if (ctx.node().hasAttr("value_ints")) {
      return List.of(tensor(DType.INT64, Dim.of(ctx.node().attrInts("value_ints", null).length)));
    }
    throw new Unknown();
  }

  private static List<ValueInfo> reduce(Context ctx) {
    ValueInfo x = ctx.input(0);
    int rank = x.dims().size();
    int since = ctx.node().opType().equals("ReduceSum") ? 13 : 18;
    long[] axes = ctx.opset() >= since ? (ctx.node().hasInput(1) ? ctx.constantLongs(1) : null)
        : ctx.node().attrInts("axes", null);
    boolean keep = ctx.node().attrInt("keepdims", 1) == 1;
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < rank; i++) {
      final int axis = i;
      boolean reduced = axes == null || axes.length == 0
          || Arrays.stream(axes).anyMatch(a -> (a < 0 ? a + rank : a) == axis);
      if (!reduced) {
        out.add(x.dims().get(i));
      } else if (keep) {
        out.add(Dim.of(1));
      }
    }
    return List.of(tensor(x.dtype(), out));
  }
}

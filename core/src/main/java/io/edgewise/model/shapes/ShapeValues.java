package io.edgewise.model.shapes;

import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Tracks the values of small integer tensors during shape inference: constants, and the Shape -> Gather ->
 * Unsqueeze -> Concat arithmetic exporters emit in front of Reshape. Elements may be symbolic (Shape of an input
 * whose batch is "N" gives [N, 3, 224, 224]), so a Reshape to Concat(Gather(Shape(x), 0), [-1]) keeps N.
 */
final class ShapeValues {
  /** Tensors longer than this are not shape arithmetic; they are not tracked. */
  static final int MAX_TRACKED = 64;

  /** One element: a number, a symbol, or (both null) unknown. */
  record Val(Long number, String symbol) {
    static Val of(long n) {
      return new Val(n, null);
    }

    static Val of(Dim d) {
      return d.isKnown() ? of(d.value()) : new Val(null, d.param());
    }

    Dim toDim() {
      return number != null ? (number >= 0 ? Dim.of(number) : Dim.unknown())
          : symbol != null ? Dim.symbol(symbol) : Dim.unknown();
    }
  }

  private ShapeValues() {}

  /** The tracked value of a name: from the computed values, else a small integer constant; null when unknown. */
  static List<Val> of(String name, Map<String, Tensor> constants, Map<String, List<Val>> values) {
    List<Val> v = values.get(name);
    if (v != null) {
      return v;
    }
    Tensor t = constants.get(name);
    if (t == null || !t.dtype().isInteger() || t.size() > MAX_TRACKED || t.shape().rank() > 1) {
      return null;
    }
    List<Val> out = new ArrayList<>();
    for (long x : t.toLongArray()) {
      out.add(Val.of(x));
    }
    return out;
  }

  /** Records the values of node's outputs where the op is shape arithmetic and its inputs are tracked. */
  static void record(ShapeRules.Context ctx, Map<String, List<Val>> values) {
    Node n = ctx.node();
    if (!n.domain().isEmpty() || n.outputs().isEmpty() || !n.hasOutput(0)) {
      return;
    }
    List<Val> out;
    try {
      out = compute(ctx);
    } catch (RuntimeException e) {
      return;  // not trackable: the value stays unknown, which only loses precision
    }
    if (out != null && out.size() <= MAX_TRACKED) {
      values.put(n.output(0), List.copyOf(out));
    }
  }

  private static List<Val> compute(ShapeRules.Context ctx) {
    Node n = ctx.node();
    switch (n.opType()) {
      case "Shape" -> {
        List<Dim> dims = ctx.input(0).dims();
        int rank = dims.size();
        int start = (int) clampAxis(n.attrInt("start", 0), rank);
        int end = (int) clampAxis(n.attrInt("end", rank), rank);
        List<Val> out = new ArrayList<>();
        for (int i = start; i < end; i++) {
          out.add(Val.of(dims.get(i)));
        }
        return out;
      }
      case "Constant" -> {
        if (n.hasAttr("value_int")) {
          return List.of(Val.of(n.attrInt("value_int", 0)));
        }
        if (n.hasAttr("value_ints")) {
          List<Val> out = new ArrayList<>();
          for (long x : n.attrInts("value_ints", null)) {
            out.add(Val.of(x));
          }
          return out;
        }
        return ctx.constants().containsKey(n.output(0)) ? of(n.output(0), ctx.constants(), Map.of()) : null;
      }
      case "Identity", "Unsqueeze", "Squeeze", "Flatten", "Reshape" -> {
        return isInteger(ctx.input(0)) ? ctx.value(0) : null;
      }
      case "Cast" -> {
        ValueInfo to = ctx.known().get(n.output(0));
        return to != null && isInteger(to) && isInteger(ctx.input(0)) ? ctx.value(0) : null;
      }
      case "Concat" -> {
        if (ctx.input(0).dims().size() != 1) {
          return null;
        }
        List<Val> out = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
          out.addAll(ctx.value(i));
        }
        return out;
      }
      case "Gather" -> {
        List<Val> data = ctx.value(0);
        if (ctx.input(0).dims().size() != 1) {
          return null;
        }
        List<Val> out = new ArrayList<>();
        for (long i : ctx.constantLongs(1)) {
          long k = i < 0 ? i + data.size() : i;
          if (k < 0 || k >= data.size()) {
            return null;  // out of range: the kernel will name the node
          }
          out.add(data.get((int) k));
        }
        return out;
      }
      case "Slice" -> {
        if (ctx.input(0).dims().size() != 1 || ctx.opset() < 10) {
          return null;
        }
        List<Val> data = ctx.value(0);
        long[] starts = ctx.constantLongs(1);
        long[] ends = ctx.constantLongs(2);
        long step = n.hasInput(4) ? ctx.constantLongs(4)[0] : 1;
        if (starts.length != 1 || ends.length != 1 || step == 0) {
          return null;
        }
        long[] range = SliceRange.of(data.size(), starts[0], ends[0], step);
        List<Val> out = new ArrayList<>();
        for (long k = 0; k < range[1]; k++) {
          out.add(data.get((int) (range[0] + k * step)));
        }
        return out;
      }
      case "Mul", "Add", "Sub", "Div" -> {
        List<Val> a = ctx.value(0);
        List<Val> b = ctx.value(1);
        if (a.size() != b.size() && a.size() != 1 && b.size() != 1) {
          return null;
        }
        List<Val> out = new ArrayList<>();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
          Val x = a.get(a.size() == 1 ? 0 : i);
          Val y = b.get(b.size() == 1 ? 0 : i);
          out.add(x.number() == null || y.number() == null ? new Val(null, null)
              : Val.of(arith(n.opType(), x.number(), y.number())));
        }
        return out;
      }
      default -> {
        return null;
      }
    }
  }

  private static long arith(String op, long x, long y) {
    return switch (op) {
      case "Mul" -> x * y;
      case "Add" -> x + y;
      case "Sub" -> x - y;
      default -> x / y;  // ONNX integer Div truncates, as C does
    };
  }

  private static boolean isInteger(ValueInfo v) {
    return v.dtype() != null && v.dtype().isInteger();
  }

  static long clampAxis(long a, int rank) {
    long x = a < 0 ? a + rank : a;
    return Math.max(0, Math.min(rank, x));
  }
}

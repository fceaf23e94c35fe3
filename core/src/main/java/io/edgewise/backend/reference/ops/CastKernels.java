package io.edgewise.backend.reference.ops;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.model.Attribute;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/** Cast and the ops that create tensors from attributes or shapes: Constant, ConstantOfShape, Range. */
final class CastKernels {
  private CastKernels() {}

  static Tensor[] cast(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    long code = ctx.node().attrInt("to", -1);
    DType to = DType.fromOnnx((int) code);
    if (to == null) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.UNSUPPORTED_TYPE, ctx.node().describe()
          + " attribute 'to' = " + code + " (" + DType.unsupportedName((int) code) + ") is not supported");
    }
    return new Tensor[] {convert(x, to)};
  }

  /** CastLike (opset 15): Cast to the type of input 1. */
  static Tensor[] castLike(OpContext ctx, Tensor[] in) {
    return new Tensor[] {convert(ctx.required(in, 0), ctx.required(in, 1).dtype())};
  }

  /**
   * x converted to dtype `to` as ONNX Cast (and numpy's astype) converts: float to float rounds to nearest;
   * float to integer truncates toward zero (NaN gives 0; out-of-range values, which ONNX leaves undefined,
   * saturate at the 64-bit range and then wrap to the width as a C cast does); integer to integer wraps;
   * anything to bool is `!= 0` (NaN is true); bool to a number is 0 or 1.
   */
  static Tensor convert(Tensor x, DType to) {
    Tensor y = Tensor.allocate(to, x.shape());
    DType from = x.dtype();
    for (long i = 0; i < x.size(); i++) {
      if (from.isFloatingPoint()) {
        double v = x.getDouble(i);
        if (to == DType.BOOL) {
          y.setLong(i, v != 0 || Double.isNaN(v) ? 1 : 0);
        } else {
          y.setDouble(i, v);  // setDouble truncates toward zero for integer targets
        }
      } else if (from == DType.UINT64 && to.isFloatingPoint()) {
        y.setDouble(i, x.getDouble(i));  // getDouble reads uint64 as unsigned (exactly rounded)
      } else {
        y.setLong(i, x.getLong(i));  // exact: long to float rounds once; integers wrap to the width
      }
    }
    return y;
  }

  static Tensor[] constant(OpContext ctx, Tensor[] in) {
    var node = ctx.node();
    if (node.attributes().size() != 1) {
      throw ctx.invalid("exactly one value attribute is required, got " + node.attributes().keySet());
    }
    Attribute a = node.attributes().values().iterator().next();
    return new Tensor[] {switch (a.name()) {
      case "value" -> a.asTensor().copy();
      case "value_float" -> Tensor.scalarFloat(a.asFloat());
      case "value_floats" -> Tensor.ofFloats(Shape.of(a.asFloats().length), a.asFloats());
      case "value_int" -> Tensor.scalarLong(a.asInt());
      case "value_ints" -> Tensor.ofLongs(DType.INT64, Shape.of(a.asInts().length), a.asInts());
      default -> throw ctx.notImplemented("attribute '" + a.name() + "' (string and sparse constants) is not "
          + "supported");
    }};
  }

  static Tensor[] constantOfShape(OpContext ctx, Tensor[] in) {
    Tensor shape = ctx.required(in, 0);
    if (shape.shape().rank() != 1) {
      throw ctx.invalid("input[0] shape must be a 1-D tensor, got shape " + shape.shape());
    }
    long[] dims = ShapeKernels.longs(ctx, shape, "input[0] shape");
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0) {
        throw ctx.invalid("input[0] shape " + java.util.Arrays.toString(dims) + " has a negative dimension at " + i);
      }
    }
    Attribute value = ctx.node().attr("value");
    DType dtype = value == null ? DType.FLOAT32 : value.asTensor().dtype();
    Tensor y = Tensor.allocate(dtype, Shape.of(dims));
    if (value != null) {
      Tensor v = value.asTensor();
      if (v.size() != 1) {
        throw ctx.invalid("attribute value must hold one element, got shape " + v.shape());
      }
      for (long i = 0; i < y.size(); i++) {
        if (dtype.isFloatingPoint()) {
          y.setDouble(i, v.getDouble(0));
        } else {
          y.setLong(i, v.getLong(0));
        }
      }
    }
    return new Tensor[] {y};
  }

  /**
   * Range: n = max(ceil((limit - start) / delta), 0) elements start + i * delta. Integer types compute exactly
   * in long; floating ones in double, as the spec's reference does.
   */
  static Tensor[] range(OpContext ctx, Tensor[] in) {
    Tensor start = scalar(ctx, in, 0, "start");
    Tensor limit = scalar(ctx, in, 1, "limit");
    Tensor delta = scalar(ctx, in, 2, "delta");
    if (limit.dtype() != start.dtype() || delta.dtype() != start.dtype()) {
      throw ctx.invalid("start, limit and delta must have one type, got " + start.dtype() + ", " + limit.dtype()
          + ", " + delta.dtype());
    }
    if (!start.dtype().isFloatingPoint()) {
      long s = start.getLong(0);
      long l = limit.getLong(0);
      long d = delta.getLong(0);
      if (d == 0) {
        throw ctx.invalid("delta is 0");
      }
      long span = l - s;
      long n = span == 0 || (span > 0) != (d > 0) ? 0 : (Math.abs(span) + Math.abs(d) - 1) / Math.abs(d);
      Tensor y = Tensor.allocate(start.dtype(), Shape.of(n));
      for (long i = 0; i < n; i++) {
        y.setLong(i, s + i * d);
      }
      return new Tensor[] {y};
    }
    double s = start.getDouble(0);
    double d = delta.getDouble(0);
    if (d == 0 || Double.isNaN(d)) {
      throw ctx.invalid("delta is " + d);
    }
    double count = Math.ceil((limit.getDouble(0) - s) / d);
    if (Double.isNaN(count) || count > Shape.MAX_ELEMENTS) {
      throw ctx.invalid("range from " + s + " to " + limit.getDouble(0) + " by " + d + " has too many elements");
    }
    long n = Math.max(0, (long) count);
    Tensor y = Tensor.allocate(start.dtype(), Shape.of(n));
    for (long i = 0; i < n; i++) {
      y.setDouble(i, s + i * d);
    }
    return new Tensor[] {y};
  }

  private static Tensor scalar(OpContext ctx, Tensor[] in, int index, String name) {
    Tensor t = ctx.required(in, index);
    if (t.size() != 1) {
      throw ctx.invalid("input[" + index + "] " + name + " must be a scalar, got shape " + t.shape());
    }
    return t;
  }
}

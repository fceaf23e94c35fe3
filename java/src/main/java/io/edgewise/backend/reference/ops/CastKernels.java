package io.edgewise.backend.reference.ops;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.reference.OpContext;
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
    Tensor y = Tensor.allocate(to, x.shape());
    for (long i = 0; i < x.size(); i++) {
      if (x.dtype().isFloatingPoint()) {
        double v = x.getDouble(i);
        if (to == DType.BOOL) {
          y.setLong(i, v != 0 || Double.isNaN(v) ? 1 : 0);
        } else {
          y.setDouble(i, v);
        }
      } else if (to.isFloatingPoint()) {
        y.setDouble(i, x.getDouble(i));
      } else {
        y.setLong(i, x.getLong(i));
      }
    }
    return new Tensor[] {y};
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
    long[] dims = ShapeKernels.longs(ctx, ctx.required(in, 0), "input[0] shape");
    Attribute value = ctx.node().attr("value");
    DType dtype = value == null ? DType.FLOAT32 : value.asTensor().dtype();
    Tensor y = Tensor.allocate(dtype, Shape.of(dims));
    if (value != null) {
      Tensor v = value.asTensor();
      if (v.size() != 1) {
        throw ctx.invalid("attribute value must hold one element, got " + v.shape());
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

  static Tensor[] range(OpContext ctx, Tensor[] in) {
    Tensor start = ctx.required(in, 0);
    double s = start.getDouble(0);
    double limit = ctx.required(in, 1).getDouble(0);
    double delta = ctx.required(in, 2).getDouble(0);
    if (delta == 0) {
      throw ctx.invalid("delta is 0");
    }
    long n = Math.max(0, (long) Math.ceil((limit - s) / delta));
    Tensor y = Tensor.allocate(start.dtype(), Shape.of(n));
    for (long i = 0; i < n; i++) {
      y.setDouble(i, s + i * delta);
    }
    return new Tensor[] {y};
  }
}

package io.edgewise.backend.reference.ops;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Float16;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * QuantizeLinear and DequantizeLinear: per-tensor, per-axis (`axis`) and blocked (`block_size`, opset 21) scales;
 * quantization divides at x's precision, rounds half to even and saturates to the output type.
 */
public final class QuantOps {
  private QuantOps() {}

  public static void register(OpRegistry r) {
    r.register("QuantizeLinear", QuantOps::quantize);
    r.register("DequantizeLinear", QuantOps::dequantize);
  }

  private static Tensor[] quantize(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Tensor scale = ctx.required(in, 1);
    Tensor zero = in.length > 2 ? in[2] : null;
    DType out = zero != null ? zero.dtype() : outputType(ctx);
    int[] si = paramIndex(ctx, x.shape(), scale.shape());
    if (zero != null && !zero.shape().equals(scale.shape())) {
      throw ctx.invalid("y_zero_point " + zero.shape() + " must have the shape of y_scale " + scale.shape());
    }
    double lo = min(out);
    double hi = max(out);
    Tensor y = Tensor.allocate(out, x.shape());
    for (int i = 0; i < si.length; i++) {
      double q = Math.rint(quotient(x.dtype(), x.getDouble(i), scale.getDouble(si[i])))
          + (zero == null ? 0 : zero.getDouble(si[i]));
      y.setLong(i, (long) Math.max(lo, Math.min(hi, q)));
    }
    return new Tensor[] {y};
  }

  /**
   * x / scale at x's precision, as the spec's reference (numpy) divides: a float32 quotient that lands on a half
   * rounds to even from there (0.5 / (5 / 255f) is 25.5 in float32 -> 26, while in double it is 25.49999997 -> 25).
   * A float division done in double and rounded once to float is the correctly rounded float division.
   */
  private static double quotient(DType t, double x, double scale) {
    double q = x / scale;
    return switch (t) {
      case FLOAT32 -> (float) q;
      case FLOAT16 -> Float16.toFloat(Float16.fromFloat((float) q));
      default -> q;
    };
  }

  private static Tensor[] dequantize(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Tensor scale = ctx.required(in, 1);
    Tensor zero = in.length > 2 ? in[2] : null;
    int[] si = paramIndex(ctx, x.shape(), scale.shape());
    if (zero != null && zero.dtype() != x.dtype()) {
      throw ctx.invalid("x_zero_point is " + zero.dtype() + " but x is " + x.dtype());
    }
    DType outType = ctx.node().hasAttr("output_dtype")
        ? DType.fromOnnx((int) ctx.node().attrInt("output_dtype", 1)) : scale.dtype();
    if (outType == null || !outType.isFloatingPoint()) {
      throw ctx.invalid("output_dtype must be a floating-point type");
    }
    Tensor y = Tensor.allocate(outType, x.shape());
    for (int i = 0; i < si.length; i++) {
      double z = zero == null ? 0 : zero.getDouble(si[i]);
      y.setDouble(i, (x.getDouble(i) - z) * scale.getDouble(si[i]));
    }
    return new Tensor[] {y};
  }

  private static DType outputType(OpContext ctx) {
    long code = ctx.node().attrInt("output_dtype", 0);
    if (code == 0) {
      return DType.UINT8;
    }
    DType t = DType.fromOnnx((int) code);
    if (t == null) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.UNSUPPORTED_TYPE, ctx.node().describe()
          + " attribute output_dtype = " + DType.unsupportedName((int) code) + " is not supported");
    }
    return t;
  }

  /** For every element of x, the flat index of its scale / zero point. */
  private static int[] paramIndex(OpContext ctx, Shape x, Shape param) {
    int n = Math.toIntExact(x.numElements());
    int[] index = new int[n];
    if (param.numElements() == 1 && param.rank() <= 1) {
      return index;
    }
    int rank = x.rank();
    int axis = ShapeKernels.axis(ctx, ctx.node().attrInt("axis", 1), rank, "attribute axis");
    long block = ctx.node().attrInt("block_size", 0);
    long[] dims = x.dims();
    long[] idx = new long[rank];
    if (block <= 0) {
      if (param.rank() != 1 || param.dim(0) != dims[axis]) {
        throw ctx.invalid("scale " + param + " must be a scalar or have " + dims[axis] + " entries for axis " + axis);
      }
      for (int i = 0; i < n; i++) {
        index[i] = (int) idx[axis];
        ShapeKernels.next(idx, dims);
      }
      return index;
    }
    long[] expected = dims.clone();
    expected[axis] = ConvGeometry.ceilDiv(dims[axis], block);
    if (!Shape.of(expected).equals(param)) {
      throw ctx.invalid("blocked scale " + param + " must have shape " + Shape.of(expected) + " for block_size "
          + block);
    }
    long[] strides = param.strides();
    long[] p = new long[rank];
    for (int i = 0; i < n; i++) {
      System.arraycopy(idx, 0, p, 0, rank);
      p[axis] = idx[axis] / block;
      index[i] = ShapeKernels.flat(p, strides);
      ShapeKernels.next(idx, dims);
    }
    return index;
  }

  private static double min(DType t) {
    return switch (t) {
      case UINT8, UINT16, UINT32, UINT64 -> 0;
      case INT8 -> -128;
      case INT16 -> -32768;
      case INT32 -> Integer.MIN_VALUE;
      default -> Long.MIN_VALUE;
    };
  }

  private static double max(DType t) {
    return switch (t) {
      case UINT8 -> 255;
      case INT8 -> 127;
      case UINT16 -> 65535;
      case INT16 -> 32767;
      case INT32 -> Integer.MAX_VALUE;
      case UINT32 -> 4294967295.0;
      default -> Long.MAX_VALUE;
    };
  }
}

package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;

/**
 * ConvInteger and QLinearConv: integer convolution of zero-point-shifted operands (exact in double), then for
 * QLinearConv requantization: round half to even, add the output zero point, saturate to the output type.
 */
final class QuantConvKernels {
  private QuantConvKernels() {}

  static Tensor[] convInteger(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Tensor w = ctx.required(in, 1);
    ConvKernel k = ConvKernel.plan(ctx, x.shape(), w.shape());
    double[] acc = k.run(shifted(x, in.length > 2 ? in[2] : null, ctx, "x_zero_point"),
        shiftedPerChannel(w, in.length > 3 ? in[3] : null, ctx, "w_zero_point"), null);
    Tensor y = Tensor.allocate(DType.INT32, k.outputShape());
    for (int i = 0; i < acc.length; i++) {
      y.setLong(i, (long) acc[i]);
    }
    return new Tensor[] {y};
  }

  static Tensor[] qlinearConv(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    double xScale = scalar(ctx, ctx.required(in, 1), "x_scale");
    Tensor w = ctx.required(in, 3);
    Tensor wScale = ctx.required(in, 4);
    double yScale = scalar(ctx, ctx.required(in, 6), "y_scale");
    Tensor yZero = ctx.required(in, 7);
    ConvKernel k = ConvKernel.plan(ctx, x.shape(), w.shape());
    double[] acc = k.run(shifted(x, in[2], ctx, "x_zero_point"), shiftedPerChannel(w, in[5], ctx,
        "w_zero_point"), null);
    if (in.length > 8 && in[8] != null) {
      k.addBias(acc, in[8].toDoubleArray());
    }
    long m = k.outChannels;
    int outN = (int) k.geometry.outSize();
    double[] ws = wScale.toDoubleArray();
    if (ws.length != 1 && ws.length != m) {
      throw ctx.invalid("w_scale has " + ws.length + " elements; expected 1 or " + m);
    }
    double zp = yZero.getDouble(0);
    Tensor y = Tensor.allocate(yZero.dtype(), k.outputShape());
    double lo = yZero.dtype() == DType.UINT8 ? 0 : -128;
    double hi = yZero.dtype() == DType.UINT8 ? 255 : 127;
    for (int i = 0; i < acc.length; i++) {
      int channel = (int) ((i / outN) % m);
      double scale = xScale * ws[ws.length == 1 ? 0 : channel] / yScale;
      double q = Math.rint(acc[i] * scale) + zp;
      y.setLong(i, (long) Math.max(lo, Math.min(hi, q)));
    }
    return new Tensor[] {y};
  }

  private static double scalar(OpContext ctx, Tensor t, String name) {
    if (t.size() != 1) {
      throw ctx.invalid(name + " must be a scalar, got shape " + t.shape());
    }
    return t.getDouble(0);
  }

  /** x - zero_point with a scalar zero point (or none). */
  private static double[] shifted(Tensor x, Tensor zero, OpContext ctx, String name) {
    double z = zero == null ? 0 : scalar(ctx, zero, name);
    double[] v = x.toDoubleArray();
    for (int i = 0; i < v.length; i++) {
      v[i] -= z;
    }
    return v;
  }

  /** w - zero_point with a scalar or per-output-channel zero point. */
  private static double[] shiftedPerChannel(Tensor w, Tensor zero, OpContext ctx, String name) {
    double[] v = w.toDoubleArray();
    if (zero == null) {
      return v;
    }
    double[] z = zero.toDoubleArray();
    long m = w.shape().dim(0);
    if (z.length != 1 && z.length != m) {
      throw ctx.invalid(name + " has " + z.length + " elements; expected 1 or " + m);
    }
    int per = (int) (v.length / m);
    for (int i = 0; i < v.length; i++) {
      v[i] -= z[z.length == 1 ? 0 : i / per];
    }
    return v;
  }
}

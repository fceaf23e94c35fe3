package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;

/** Conv, the fused Conv of the graph optimizer, ConvTranspose, ConvInteger and QLinearConv. */
public final class ConvOps {
  private ConvOps() {}

  public static void register(OpRegistry r) {
    r.register("Conv", (ctx, in) -> new Tensor[] {conv(ctx, in, false)});
    r.register("io.edgewise", "FusedConv", (ctx, in) -> new Tensor[] {conv(ctx, in, true)});
    r.register("ConvTranspose", ConvTransposeKernel::compute);
    r.register("ConvInteger", QuantConvKernels::convInteger);
    r.register("QLinearConv", QuantConvKernels::qlinearConv);
  }

  /** Conv, and FusedConv = activation(conv(X, W) + B + Z) with Z an optional residual (input 3). */
  private static Tensor conv(OpContext ctx, Tensor[] in, boolean fused) {
    Tensor x = ctx.required(in, 0);
    Tensor w = ctx.required(in, 1);
    if (!x.dtype().isFloatingPoint() || w.dtype() != x.dtype()) {
      throw ctx.invalid("X and W must share a floating-point type, got " + x.dtype() + " and " + w.dtype());
    }
    ConvKernel k = ConvKernel.plan(ctx, x.shape(), w.shape());
    double[] y = k.run(x.toDoubleArray(), w.toDoubleArray(), MatrixOps.lentGemm(ctx, x));
    if (in.length > 2 && in[2] != null) {
      if (in[2].size() != k.outChannels) {
        throw ctx.invalid("bias B has " + in[2].size() + " elements for " + k.outChannels + " output channels");
      }
      k.addBias(y, in[2].toDoubleArray());
    }
    if (fused) {
      if (in.length > 3 && in[3] != null) {
        Tensor z = in[3];
        if (!z.shape().equals(k.outputShape())) {
          throw ctx.invalid("residual Z " + z.shape() + " does not match the output " + k.outputShape());
        }
        double[] zv = z.toDoubleArray();
        for (int i = 0; i < y.length; i++) {
          y[i] += zv[i];
        }
      }
      ConvActivation.of(ctx).applyInPlace(y);
    }
    Tensor out = Tensor.allocate(x.dtype(), k.outputShape());
    if (out.dtype() == DType.FLOAT32) {
      float[] f = new float[y.length];
      for (int i = 0; i < y.length; i++) {
        f[i] = (float) y[i];
      }
      out.setFloats(f);
    } else {
      for (int i = 0; i < y.length; i++) {
        out.setDouble(i, y[i]);
      }
    }
    return out;
  }
}

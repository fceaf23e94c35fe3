package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.FloatGemm;
import io.edgewise.tensor.Shape;
import java.util.Arrays;

/**
 * Grouped N-d convolution as im2col + GEMM per image and group, in double (exact for the integer convolutions,
 * whose operands are small integers). Inputs are already zero-point-shifted where that applies.
 */
public final class ConvKernel {
  public final ConvGeometry geometry;
  public final long batch;
  public final long channels;
  public final long outChannels;
  public final long group;

  private ConvKernel(ConvGeometry geometry, long batch, long channels, long outChannels, long group) {
    this.geometry = geometry;
    this.batch = batch;
    this.channels = channels;
    this.outChannels = outChannels;
    this.group = group;
  }

  /** Validates X [N, C, d...] against W [M, C/group, k...] and resolves the geometry. */
  public static ConvKernel plan(OpContext ctx, Shape x, Shape w) {
    if (x.rank() < 3) {
      throw ctx.invalid("input X must be at least 3-D [N, C, spatial...], got " + x);
    }
    if (w.rank() != x.rank()) {
      throw ctx.invalid("weight W " + w + " must have the rank of X " + x);
    }
    long group = ctx.node().attrInt("group", 1);
    long c = x.dim(1);
    long m = w.dim(0);
    if (group <= 0 || c % group != 0 || m % group != 0 || w.dim(1) * group != c) {
      throw ctx.invalid("X has " + c + " channels and W " + w + " expects " + w.dim(1) + " per group with group = "
          + group);
    }
    long[] spatial = Arrays.copyOfRange(x.dims(), 2, x.rank());
    long[] kernel = Arrays.copyOfRange(w.dims(), 2, w.rank());
    long[] declared = ctx.node().attrInts("kernel_shape", null);
    if (declared != null && !Arrays.equals(declared, kernel)) {
      throw ctx.invalid("attribute kernel_shape " + Arrays.toString(declared) + " does not match W " + w);
    }
    return new ConvKernel(ConvGeometry.of(ctx, spatial, kernel, false), x.dim(0), c, m, group);
  }

  public Shape outputShape() {
    long[] dims = new long[geometry.rank + 2];
    dims[0] = batch;
    dims[1] = outChannels;
    System.arraycopy(geometry.out, 0, dims, 2, geometry.rank);
    return Shape.of(dims);
  }

  /** y [N, M, out...] = conv(x, w), no bias; the products by `gemm` where it is not null (see GemmKernel). */
  double[] run(double[] x, double[] w, FloatGemm gemm) {
    int outN = Math.toIntExact(geometry.outSize());
    int inN = Math.toIntExact(geometry.inSize());
    int kN = Math.toIntExact(geometry.kernelSize());
    int cg = (int) (channels / group);
    int mg = (int) (outChannels / group);
    int rows = cg * kN;
    int[] window = geometry.windowIndex();
    double[] y = new double[Math.toIntExact(batch * outChannels * outN)];
    double[] cols = new double[Math.multiplyExact(rows, outN)];
    for (int n = 0; n < batch; n++) {
      for (int g = 0; g < group; g++) {
        for (int c = 0; c < cg; c++) {
          int image = ((int) (n * channels) + g * cg + c) * inN;
          for (int kk = 0; kk < kN; kk++) {
            int row = (c * kN + kk) * outN;
            int win = kk * outN;
            for (int p = 0; p < outN; p++) {
              int src = window[win + p];
              cols[row + p] = src < 0 ? 0 : x[image + src];
            }
          }
        }
        double[] part = GemmKernel.multiply(gemm, mg, outN, rows, w, g * mg * rows, cols, 0);
        System.arraycopy(part, 0, y, (int) ((n * outChannels + (long) g * mg) * outN), part.length);
      }
    }
    return y;
  }

  /** Adds bias[m] to every position of output channel m. */
  void addBias(double[] y, double[] bias) {
    int outN = Math.toIntExact(geometry.outSize());
    for (int n = 0; n < batch; n++) {
      for (int m = 0; m < outChannels; m++) {
        int base = (int) ((n * outChannels + m) * outN);
        for (int p = 0; p < outN; p++) {
          y[base + p] += bias[m];
        }
      }
    }
  }
}

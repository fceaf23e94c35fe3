package io.edgewise.backend.reference.ops;

import io.edgewise.backend.FloatGemm;
import io.edgewise.backend.reference.Broadcast;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/** Gemm, MatMul (numpy semantics) and MatMulInteger. */
public final class MatrixOps {
  private MatrixOps() {}

  public static void register(OpRegistry r) {
    r.register("Gemm", MatrixOps::gemm);
    r.register("MatMul", (ctx, in) -> matmul(ctx, ctx.required(in, 0), ctx.required(in, 1), null, null, false));
    r.register("MatMulInteger", (ctx, in) -> matmul(ctx, ctx.required(in, 0), ctx.required(in, 1),
        in.length > 2 ? in[2] : null, in.length > 3 ? in[3] : null, true));
  }

  private static Tensor[] gemm(OpContext ctx, Tensor[] in) {
    Tensor a = ctx.required(in, 0);
    Tensor b = ctx.required(in, 1);
    if (a.shape().rank() != 2 || b.shape().rank() != 2) {
      throw ctx.invalid("A " + a.shape() + " and B " + b.shape() + " must be 2-D");
    }
    boolean ta = ctx.node().attrInt("transA", 0) == 1;
    boolean tb = ctx.node().attrInt("transB", 0) == 1;
    double alpha = ctx.node().attrFloat("alpha", 1f);
    double beta = ctx.node().attrFloat("beta", 1f);
    int m = a.shape().dimInt(ta ? 1 : 0);
    int k = a.shape().dimInt(ta ? 0 : 1);
    int kb = b.shape().dimInt(tb ? 1 : 0);
    int n = b.shape().dimInt(tb ? 0 : 1);
    if (k != kb) {
      throw ctx.invalid("inner dimensions differ: A " + a.shape() + (ta ? "^T" : "") + " and B " + b.shape()
          + (tb ? "^T" : ""));
    }
    double[] av = transposedIf(a.toDoubleArray(), ta, a.shape().dimInt(0), a.shape().dimInt(1));
    double[] bv = transposedIf(b.toDoubleArray(), tb, b.shape().dimInt(0), b.shape().dimInt(1));
    double[] c = GemmKernel.multiply(lentGemm(ctx, a), m, n, k, av, 0, bv, 0);
    Shape out = Shape.of(m, n);
    Tensor y = Tensor.allocate(a.dtype(), out);
    Tensor bias = in.length > 2 ? in[2] : null;
    int[] bi = null;
    if (bias != null) {
      try {
        if (!Broadcast.shape(bias.shape(), out).equals(out)) {
          throw ctx.invalid("C " + bias.shape() + " does not broadcast to " + out);
        }
      } catch (io.edgewise.EdgewiseException e) {
        throw ctx.invalid("C " + bias.shape() + " does not broadcast to " + out);
      }
      bi = Broadcast.sourceIndex(bias.shape(), out);
    }
    for (int i = 0; i < c.length; i++) {
      double v = alpha * c[i];
      if (bias != null) {
        v += beta * bias.getDouble(bi[i]);
      }
      y.setDouble(i, v);
    }
    return new Tensor[] {y};
  }

  /** The GEMM lent through the options for float32 operands, else null (the plain-Java loop). */
  static FloatGemm lentGemm(OpContext ctx, Tensor a) {
    return a.dtype() == DType.FLOAT32 ? ctx.options().refGemm() : null;
  }

  private static double[] transposedIf(double[] v, boolean transpose, int rows, int cols) {
    if (!transpose) {
      return v;
    }
    double[] t = new double[v.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = v[i * cols + j];
      }
    }
    return t;
  }

  /** numpy matmul: 1-D operands are promoted (and the added axis removed), batch axes broadcast. */
  private static Tensor[] matmul(OpContext ctx, Tensor a, Tensor b, Tensor aZero, Tensor bZero, boolean integer) {
    Shape as = a.shape();
    Shape bs = b.shape();
    if (as.rank() == 0 || bs.rank() == 0) {
      throw ctx.invalid("MatMul operands must be at least 1-D, got " + as + " and " + bs);
    }
    long[] ad = as.rank() == 1 ? new long[] {1, as.dim(0)} : as.dims();
    long[] bd = bs.rank() == 1 ? new long[] {bs.dim(0), 1} : bs.dims();
    int m = (int) ad[ad.length - 2];
    int k = (int) ad[ad.length - 1];
    int n = (int) bd[bd.length - 1];
    if (bd[bd.length - 2] != k) {
      throw ctx.invalid("inner dimensions differ: " + as + " x " + bs);
    }
    Shape aBatch = Shape.of(java.util.Arrays.copyOf(ad, ad.length - 2));
    Shape bBatch = Shape.of(java.util.Arrays.copyOf(bd, bd.length - 2));
    Shape batch;
    try {
      batch = Broadcast.shape(aBatch, bBatch);
    } catch (io.edgewise.EdgewiseException e) {
      throw ctx.invalid("batch dimensions of " + as + " and " + bs + " do not broadcast");
    }
    int[] ia = Broadcast.sourceIndex(aBatch, batch);
    int[] ib = Broadcast.sourceIndex(bBatch, batch);
    double[] av = a.toDoubleArray();
    double[] bv = b.toDoubleArray();
    if (integer) {
      subtractZeroPoints(ctx, av, aZero, m, k, true);
      subtractZeroPoints(ctx, bv, bZero, k, n, false);
    }
    FloatGemm gemm = integer ? null : lentGemm(ctx, a);
    long[] outDims = new long[batch.rank() + 2];
    System.arraycopy(batch.dims(), 0, outDims, 0, batch.rank());
    outDims[batch.rank()] = m;
    outDims[batch.rank() + 1] = n;
    long[] finalDims = outDims;
    if (as.rank() == 1 && bs.rank() == 1) {
      finalDims = new long[0];
    } else if (as.rank() == 1) {
      finalDims = removeAxis(outDims, outDims.length - 2);
    } else if (bs.rank() == 1) {
      finalDims = removeAxis(outDims, outDims.length - 1);
    }
    Tensor y = Tensor.allocate(integer ? DType.INT32 : a.dtype(), Shape.of(finalDims));
    int plane = m * n;
    for (int p = 0; p < ia.length; p++) {
      double[] c = GemmKernel.multiply(gemm, m, n, k, av, ia[p] * m * k, bv, ib[p] * k * n);
      for (int i = 0; i < plane; i++) {
        y.setDouble((long) p * plane + i, c[i]);
      }
    }
    return new Tensor[] {y};
  }

  private static long[] removeAxis(long[] dims, int axis) {
    long[] out = new long[dims.length - 1];
    for (int i = 0, j = 0; i < dims.length; i++) {
      if (i != axis) {
        out[j++] = dims[i];
      }
    }
    return out;
  }

  /**
   * MatMulInteger zero points: scalar, or per row of A ([M] or [..., M, 1]) / per column of B ([N] or [..., 1, N]).
   */
  private static void subtractZeroPoints(OpContext ctx, double[] v, Tensor zero, int rows, int cols, boolean perRow) {
    if (zero == null) {
      return;
    }
    double[] z = zero.toDoubleArray();
    int per = perRow ? rows : cols;
    if (z.length != 1 && z.length != per) {
      throw ctx.invalid((perRow ? "a" : "b") + "_zero_point has " + z.length + " elements; expected 1 or " + per);
    }
    for (int i = 0; i < v.length; i++) {
      int within = i % (rows * cols);
      int idx = z.length == 1 ? 0 : (perRow ? within / cols : within % cols);
      v[i] -= z[idx];
    }
  }
}

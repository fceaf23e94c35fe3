package io.edgewise.backend.opencl;

/**
 * The three passes of a convolution in training (forward, input gradient, weight gradient) as data reshaping
 * around one batched GEMM per pass, one product per group (EF-Train's unified kernel; see kernels/train.cl):
 * <pre>
 *   forward          Yt[g]   = W[g]   x col[g]     y  = swap(Yt) + bias
 *   input gradient   dcol[g] = W[g]^T x dYt[g]     dx = col2im(dcol)
 *   weight gradient  dW[g]   = dYt[g] x colT[g]
 * </pre>
 * with W[g] = weights [M/G][Kc], col[g] = im2col(x) [Kc][N*P], colT its transpose, dYt = dy with its batch and
 * channel axes swapped ([M][N*P]). Borrows the ops and the scratch memory (columns, swapped outputs); every tensor
 * argument is a dense NCHW (weights: [M][C/G][KH][KW]) float32 buffer. Each method returns the device time of
 * its kernels in ns (measured by OpenCL profiling).
 */
public final class ClConvTraining {
  private final ClTrainingOps ops;
  private final ClScratch scratch;

  public ClConvTraining(ClTrainingOps ops, ClScratch scratch) {
    this.ops = ops;
    this.scratch = scratch;
  }

  /** y = conv(x, w) + bias; bias may be null. */
  public long forward(ConvProblem p, ClBuffer x, ClBuffer w, ClBuffer bias, ClBuffer y) {
    Dims d = new Dims(p);
    ClBuffer col = scratch.floats("conv.col", d.colElements());
    ClBuffer yt = scratch.floats("conv.swapped", (long) p.k() * d.np);
    long ns = ops.im2col(p, x, col, false);
    ns += ops.gemm(p.groups(), d.mg, d.np, d.kc, w, d.kc, 1, (long) d.mg * d.kc, col, d.np, (long) d.kc * d.np, yt,
        d.np, (long) d.mg * d.np, 1f, 0f);
    return ns + ops.swapOuter(yt, y, bias, dummy(), p.k(), p.n(), d.p);
  }

  /** dx = the input gradient for output gradient dy. */
  public long backwardData(ConvProblem p, ClBuffer dy, ClBuffer w, ClBuffer dx) {
    Dims d = new Dims(p);
    ClBuffer dyt = scratch.floats("conv.swapped", (long) p.k() * d.np);
    ClBuffer dcol = scratch.floats("conv.col", d.colElements());
    long ns = ops.swapOuter(dy, dyt, null, dummy(), p.n(), p.k(), d.p);
    // A = W[g]^T: element (row r, column o) of the transpose is W[g][o][r], so rows step 1 and columns step Kc
    ns += ops.gemm(p.groups(), d.kc, d.np, d.mg, w, 1, d.kc, (long) d.mg * d.kc, dyt, d.np, (long) d.mg * d.np, dcol,
        d.np, (long) d.kc * d.np, 1f, 0f);
    return ns + ops.col2im(p, dcol, dx);
  }

  /** dw = the weight gradient for input x and output gradient dy, summed over the batch. */
  public long backwardWeights(ConvProblem p, ClBuffer x, ClBuffer dy, ClBuffer dw) {
    Dims d = new Dims(p);
    ClBuffer dyt = scratch.floats("conv.swapped", (long) p.k() * d.np);
    ClBuffer colT = scratch.floats("conv.col", d.colElements());
    long ns = ops.swapOuter(dy, dyt, null, dummy(), p.n(), p.k(), d.p);
    ns += ops.im2col(p, x, colT, true);
    // the reduction runs over batch and space together (K = N*P): one product per group, no partial sums to add
    return ns + ops.gemm(p.groups(), d.mg, d.kc, d.np, dyt, d.np, 1, (long) d.mg * d.np, colT, d.kc,
        (long) d.np * d.kc, dw, d.kc, (long) d.mg * d.kc, 1f, 0f);
  }

  private ClBuffer dummy() {
    return scratch.floats("conv.no-bias", 1);
  }

  /** The product's sizes: Mg output channels per group, Kc column rows, NP = N * P columns. */
  private static final class Dims {
    final int mg;
    final int kc;
    final int p;
    final int np;
    final int groups;

    Dims(ConvProblem c) {
      mg = c.k() / c.groups();
      kc = ClTrainingOps.columnRows(c);
      p = ClTrainingOps.index((long) c.oh() * c.ow(), "output plane of " + c);
      np = ClTrainingOps.index((long) c.n() * p, "output columns of " + c);
      groups = c.groups();
    }

    long colElements() {
      return (long) groups * kc * np;
    }
  }
}

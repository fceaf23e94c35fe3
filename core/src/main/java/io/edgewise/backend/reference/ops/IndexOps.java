package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * Ops that pick or accumulate elements by index: GatherElements, Trilu, CumSum, DepthToSpace and SpaceToDepth.
 * The data-movement ones build an index table and move raw element bytes ({@link ShapeKernels#gather}), so every
 * dtype stays exact; CumSum adds in long for integers and in double for floating types.
 */
public final class IndexOps {
  private IndexOps() {}

  public static void register(OpRegistry r) {
    r.register("GatherElements", IndexOps::gatherElements);
    r.register("Trilu", IndexOps::trilu);
    r.register("CumSum", IndexOps::cumSum);
    r.register("DepthToSpace", (ctx, in) -> depthSpace(ctx, in, true));
    r.register("SpaceToDepth", (ctx, in) -> depthSpace(ctx, in, false));
  }

  /**
   * GatherElements (opset 11, 13): out has the indices' shape; out[i0..ik] = data[i0..ik with i_axis replaced by
   * indices[i0..ik]]. Negative indices count from the end of the axis; out-of-range ones are an error.
   */
  private static Tensor[] gatherElements(OpContext ctx, Tensor[] in) {
    Tensor data = ctx.required(in, 0);
    Tensor indices = ctx.required(in, 1);
    int rank = data.shape().rank();
    if (rank == 0) {
      throw ctx.invalid("input[0] data must have rank >= 1");
    }
    if (indices.shape().rank() != rank) {
      throw ctx.invalid("input[1] indices has rank " + indices.shape().rank() + "; it must have data's rank " + rank
          + " (data " + data.shape() + ")");
    }
    int axis = ShapeKernels.axis(ctx, ctx.node().attrInt("axis", 0), rank, "attribute axis");
    long[] dataDims = data.shape().dims();
    long[] dataStrides = data.shape().strides();
    long[] idxDims = indices.shape().dims();
    for (int d = 0; d < rank; d++) {
      if (d != axis && idxDims[d] > dataDims[d]) {
        throw ctx.invalid("indices " + indices.shape() + " exceed data " + data.shape() + " on axis " + d);
      }
    }
    long[] ix = ShapeKernels.longs(ctx, indices, "input[1] indices");
    int[] table = new int[ix.length];
    long[] pos = new long[rank];
    long extent = dataDims[axis];
    for (int i = 0; i < ix.length; i++) {
      long k = ix[i];
      if (k < -extent || k >= extent) {
        throw ctx.invalid("index " + k + " at " + java.util.Arrays.toString(pos) + " is out of range for axis "
            + axis + " of extent " + extent);
      }
      long[] src = pos.clone();
      src[axis] = k < 0 ? k + extent : k;
      table[i] = ShapeKernels.flat(src, dataStrides);
      ShapeKernels.next(pos, idxDims);
    }
    return new Tensor[] {ShapeKernels.gather(data, indices.shape(), table)};
  }

  /**
   * Trilu (opset 14): keeps the upper (upper = 1, the default) or lower triangle of the last two dimensions and
   * zeroes the rest. With diagonal offset k (input 1, default 0) element [i, j] is kept when j - i >= k (upper) or
   * j - i <= k (lower).
   */
  private static Tensor[] trilu(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Shape s = x.shape();
    if (s.rank() < 2) {
      throw ctx.invalid("input[0] must have rank >= 2, got " + s);
    }
    long k = 0;
    if (in.length > 1 && in[1] != null) {
      long[] kv = ShapeKernels.longs(ctx, in[1], "input[1] k");
      if (kv.length != 1) {
        throw ctx.invalid("input[1] k must be a single value, got shape " + in[1].shape());
      }
      k = kv[0];
    }
    boolean upper = ctx.node().attrInt("upper", 1) != 0;
    long rows = s.dim(s.rank() - 2);
    long cols = s.dim(s.rank() - 1);
    Tensor y = x.copy();
    for (long i = 0; i < s.numElements(); i++) {
      long col = i % cols;
      long row = (i / cols) % rows;
      boolean keep = upper ? col - row >= k : col - row <= k;
      if (!keep) {
        y.setLong(i, 0);
      }
    }
    return new Tensor[] {y};
  }

  /**
   * CumSum (opset 11, 14): running sums along `axis` (input 1, a scalar or 1-element int32/int64 tensor).
   * exclusive = 1 leaves out the element itself (the first sum is 0); reverse = 1 sums from the end.
   */
  private static Tensor[] cumSum(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Tensor axisTensor = ctx.required(in, 1);
    long[] av = ShapeKernels.longs(ctx, axisTensor, "input[1] axis");
    if (av.length != 1) {
      throw ctx.invalid("input[1] axis must be a single value, got shape " + axisTensor.shape());
    }
    Shape s = x.shape();
    int rank = s.rank();
    int axis = ShapeKernels.axis(ctx, av[0], Math.max(rank, 1), "input[1] axis");
    boolean exclusive = ctx.node().attrInt("exclusive", 0) != 0;
    boolean reverse = ctx.node().attrInt("reverse", 0) != 0;
    long n = rank == 0 ? 1 : s.dim(axis);
    long inner = 1;
    for (int d = axis + 1; d < rank; d++) {
      inner *= s.dim(d);
    }
    long outer = n * inner == 0 ? 0 : s.numElements() / (n * inner);
    boolean fp = x.dtype().isFloatingPoint();
    if (x.dtype() == DType.BOOL) {
      throw ctx.invalid("input[0] must be numeric, got " + x.dtype());
    }
    Tensor y = Tensor.allocate(x.dtype(), s);
    for (long o = 0; o < outer; o++) {
      for (long c = 0; c < inner; c++) {
        double sumD = 0;
        long sumL = 0;
        for (long step = 0; step < n; step++) {
          long j = reverse ? n - 1 - step : step;
          long at = (o * n + j) * inner + c;
          if (exclusive) {
            store(y, at, fp, sumD, sumL);
          }
          if (fp) {
            sumD += x.getDouble(at);
          } else {
            sumL += x.getLong(at);
          }
          if (!exclusive) {
            store(y, at, fp, sumD, sumL);
          }
        }
      }
    }
    return new Tensor[] {y};
  }

  private static void store(Tensor y, long at, boolean fp, double d, long l) {
    if (fp) {
      y.setDouble(at, d);
    } else {
      y.setLong(at, l);
    }
  }

  /**
   * DepthToSpace (opset 1, 11, 13) and SpaceToDepth (1, 13) on [N, C, H, W] with block size b.
   * DepthToSpace gives [N, C / b^2, H * b, W * b]: in DCR mode (the default) input channel (by * b + bx) * C' + c
   * goes to output channel c at (h * b + by, w * b + bx); in CRD mode (opset 11+) input channel c * b^2 + by * b + bx
   * does. SpaceToDepth is DCR's inverse, [N, C * b^2, H / b, W / b].
   */
  private static Tensor[] depthSpace(OpContext ctx, Tensor[] in, boolean toSpace) {
    Tensor x = ctx.required(in, 0);
    Shape s = x.shape();
    if (s.rank() != 4) {
      throw ctx.invalid("input[0] must be 4-D [N, C, H, W], got " + s);
    }
    long b = ctx.node().attrInt("blocksize", 0);
    if (b <= 0) {
      throw ctx.invalid("attribute blocksize must be set and positive, got " + b);
    }
    String mode = toSpace && ctx.opset() >= 11 ? ctx.node().attrString("mode", "DCR") : "DCR";
    if (!mode.equals("DCR") && !mode.equals("CRD")) {
      throw ctx.invalid("attribute mode = '" + mode + "' must be 'DCR' or 'CRD'");
    }
    long n = s.dim(0);
    long c = s.dim(1);
    long h = s.dim(2);
    long w = s.dim(3);
    Shape out;
    if (toSpace) {
      if (c % (b * b) != 0) {
        throw ctx.invalid("channels " + c + " are not a multiple of blocksize^2 = " + b * b);
      }
      out = Shape.of(n, c / (b * b), h * b, w * b);
    } else {
      if (h % b != 0 || w % b != 0) {
        throw ctx.invalid("height " + h + " and width " + w + " must be multiples of blocksize " + b);
      }
      out = Shape.of(n, c * b * b, h / b, w / b);
    }
    long[] od = out.dims();
    int[] table = new int[Math.toIntExact(out.numElements())];
    int i = 0;
    for (long bn = 0; bn < od[0]; bn++) {
      for (long oc = 0; oc < od[1]; oc++) {
        for (long oh = 0; oh < od[2]; oh++) {
          for (long ow = 0; ow < od[3]; ow++) {
            long ic;
            long ih;
            long iw;
            if (toSpace) {
              long cOut = od[1];
              long by = oh % b;
              long bx = ow % b;
              ic = mode.equals("DCR") ? (by * b + bx) * cOut + oc : oc * b * b + by * b + bx;
              ih = oh / b;
              iw = ow / b;
            } else {
              // output channel oc = (by * b + bx) * C + c (the inverse of DCR)
              long block = oc / c;
              ic = oc % c;
              ih = oh * b + block / b;
              iw = ow * b + block % b;
            }
            table[i++] = (int) (((bn * c + ic) * h + ih) * w + iw);
          }
        }
      }
    }
    return new Tensor[] {ShapeKernels.gather(x, out, table)};
  }
}

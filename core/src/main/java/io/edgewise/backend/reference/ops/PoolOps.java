package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Arrays;

/** MaxPool (with Indices), AveragePool and the global pools, over any number of spatial axes. */
public final class PoolOps {
  private PoolOps() {}

  public static void register(OpRegistry r) {
    r.register("MaxPool", (ctx, in) -> pool(ctx, in, true));
    r.register("AveragePool", (ctx, in) -> pool(ctx, in, false));
    r.register("GlobalAveragePool", (ctx, in) -> global(ctx, in, false));
    r.register("GlobalMaxPool", (ctx, in) -> global(ctx, in, true));
  }

  private static Tensor[] pool(OpContext ctx, Tensor[] in, boolean max) {
    Tensor x = ctx.required(in, 0);
    Shape xs = x.shape();
    if (xs.rank() < 3) {
      throw ctx.invalid("input X must be [N, C, spatial...], got " + xs);
    }
    int r = xs.rank() - 2;
    long[] kernel = ctx.node().attrInts("kernel_shape", null);
    if (kernel == null || kernel.length != r) {
      throw ctx.invalid("attribute kernel_shape must give " + r + " sizes, got "
          + (kernel == null ? "none" : Arrays.toString(kernel)));
    }
    long storageOrder = ctx.node().attrInt("storage_order", 0);
    if (storageOrder != 0 && storageOrder != 1) {
      throw ctx.invalid("attribute storage_order = " + storageOrder + " must be 0 (row major) or 1 (column major)");
    }
    if (max && storageOrder == 1 && r != 2) {
      throw ctx.notImplemented("storage_order = 1 is defined for 2-D pooling only");
    }
    boolean ceil = ctx.node().attrInt("ceil_mode", 0) == 1;
    ConvGeometry g = ConvGeometry.of(ctx, Arrays.copyOfRange(xs.dims(), 2, xs.rank()), kernel, ceil);
    boolean includePad = ctx.node().attrInt("count_include_pad", 0) == 1;
    int outN = Math.toIntExact(g.outSize());
    int inN = Math.toIntExact(g.inSize());
    int kN = Math.toIntExact(g.kernelSize());
    int[] window = g.windowIndex();
    int[] padCount = includePad ? paddedWindowCounts(g) : null;
    long planes = xs.dim(0) * xs.dim(1);
    long[] outDims = xs.dims();
    System.arraycopy(g.out, 0, outDims, 2, r);
    Shape ys = Shape.of(outDims);
    double[] xv = x.toDoubleArray();
    Tensor y = Tensor.allocate(x.dtype(), ys);
    Tensor indices = max && ctx.wantsOutput(1) ? Tensor.allocate(DType.INT64, ys) : null;
    boolean columnMajor = storageOrder == 1;
    for (int plane = 0; plane < planes; plane++) {
      int base = plane * inN;
      for (int p = 0; p < outN; p++) {
        double acc = max ? Double.NEGATIVE_INFINITY : 0;
        int arg = -1;
        int count = 0;
        for (int kk = 0; kk < kN; kk++) {
          int src = window[kk * outN + p];
          if (src < 0) {
            continue;
          }
          double v = xv[base + src];
          count++;
          if (max) {
            if (v > acc || arg < 0) {
              acc = v;
              arg = src;
            }
          } else {
            acc += v;
          }
        }
        long o = (long) plane * outN + p;
        if (max) {
          y.setDouble(o, acc);
          if (indices != null) {
            indices.setLong(o, (long) base + (columnMajor ? transposeIndex(arg, g.in) : arg));
          }
        } else {
          int divisor = includePad ? padCount[p] : count;
          y.setDouble(o, divisor == 0 ? 0 : acc / divisor);
        }
      }
    }
    return new Tensor[] {y, indices};
  }

  /** Window sizes counting padding but not the cells beyond it that ceil_mode adds. */
  private static int[] paddedWindowCounts(ConvGeometry g) {
    int outN = Math.toIntExact(g.outSize());
    int[] counts = new int[outN];
    long[] o = new long[g.rank];
    for (int p = 0; p < outN; p++) {
      long total = 1;
      for (int d = 0; d < g.rank; d++) {
        long inside = 0;
        for (long k = 0; k < g.kernel[d]; k++) {
          long pos = o[d] * g.strides[d] - g.padBegin[d] + k * g.dilations[d];
          if (pos >= -g.padBegin[d] && pos < g.in[d] + g.padEnd[d]) {
            inside++;
          }
        }
        total *= inside;
      }
      counts[p] = (int) total;
      ShapeKernels.next(o, g.out);
    }
    return counts;
  }

  /** Row-major flat index (h, w) of an H x W image as column-major: h + w * H. */
  private static long transposeIndex(int flat, long[] in) {
    long h = flat / in[1];
    long w = flat % in[1];
    return h + w * in[0];
  }

  private static Tensor[] global(OpContext ctx, Tensor[] in, boolean max) {
    Tensor x = ctx.required(in, 0);
    Shape xs = x.shape();
    if (xs.rank() < 3) {
      throw ctx.invalid("input X must be [N, C, spatial...], got " + xs);
    }
    long planes = xs.dim(0) * xs.dim(1);
    int size = Math.toIntExact(xs.numElements() / Math.max(planes, 1));
    long[] outDims = xs.dims();
    Arrays.fill(outDims, 2, outDims.length, 1);
    Tensor y = Tensor.allocate(x.dtype(), Shape.of(outDims));
    double[] xv = x.toDoubleArray();
    for (int plane = 0; plane < planes; plane++) {
      double acc = max ? Double.NEGATIVE_INFINITY : 0;
      for (int i = 0; i < size; i++) {
        double v = xv[plane * size + i];
        acc = max ? Math.max(acc, v) : acc + v;
      }
      y.setDouble(plane, max ? acc : acc / size);
    }
    return new Tensor[] {y};
  }
}

package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Pad in modes constant, edge, reflect and wrap. Pads come from the attribute before opset 11 (`paddings` in
 * opset 1) and from input 1 after; the constant from attribute `value` or input 2; opset 18 adds the `axes`
 * input. Negative pads crop first, and the modes then pad the cropped tensor (as ONNX Runtime and the numpy
 * slice-then-pad reading do: wrap copies from the far side of what is left, not of the original). Elements are
 * moved as raw bytes, so every dtype (int64, float16, ...) stays exact.
 */
public final class PadOps {
  private PadOps() {}

  public static void register(OpRegistry r) {
    r.register("Pad", PadOps::pad);
  }

  private static Tensor[] pad(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    int rank = x.shape().rank();
    String mode = ctx.node().attrString("mode", "constant");
    if (!mode.equals("constant") && !mode.equals("edge") && !mode.equals("reflect") && !mode.equals("wrap")) {
      throw ctx.invalid("attribute mode = '" + mode + "' is not constant, edge, reflect or wrap");
    }
    long[] given;
    long[] axes = null;
    Tensor constant;
    if (ctx.opset() < 11) {
      String name = ctx.opset() < 2 ? "paddings" : "pads";
      given = ctx.node().attrInts(name, null);
      if (given == null) {
        throw ctx.invalid("attribute " + name + " is required");
      }
      constant = Tensor.allocate(x.dtype(), Shape.of());
      constant.setDouble(0, ctx.node().attrFloat("value", 0f));
    } else {
      given = ShapeKernels.longs(ctx, ctx.required(in, 1), "input[1] pads");
      Tensor value = in.length > 2 ? in[2] : null;
      constant = Tensor.allocate(x.dtype(), Shape.of());
      if (value != null && value.size() > 0) {
        if (value.size() != 1) {
          throw ctx.invalid("input[2] constant_value must hold one element, got shape " + value.shape());
        }
        if (value.dtype() == x.dtype()) {
          constant.buffer().put(0, value.buffer(), 0, x.dtype().byteSize());
        } else {
          constant.setDouble(0, value.getDouble(0));
        }
      }
      if (in.length > 3 && in[3] != null) {
        axes = ShapeKernels.longs(ctx, in[3], "input[3] axes");
      }
    }
    try (constant) {
      return new Tensor[] {pad(ctx, x, mode, padsPerAxis(ctx, rank, given, axes), constant)};
    }
  }

  /** before[d] = pads[0][d], after[d] = pads[1][d] for every axis; axes not listed get 0. */
  private static long[][] padsPerAxis(OpContext ctx, int rank, long[] given, long[] axes) {
    int n = axes == null ? rank : axes.length;
    if (given.length != 2 * n) {
      throw ctx.invalid("pads has " + given.length + " entries; expected " + 2 * n
          + (axes == null ? " (2 x rank " + rank + ")" : " (2 x " + n + " axes)"));
    }
    long[][] p = new long[2][rank];
    boolean[] seen = new boolean[rank];
    for (int i = 0; i < n; i++) {
      int a = axes == null ? i : ShapeKernels.axis(ctx, axes[i], rank, "input[3] axes entry");
      if (seen[a]) {
        throw ctx.invalid("input[3] axes names axis " + a + " twice");
      }
      seen[a] = true;
      p[0][a] = given[i];
      p[1][a] = given[i + n];
    }
    return p;
  }

  private static Tensor pad(OpContext ctx, Tensor x, String mode, long[][] pads, Tensor constant) {
    int rank = x.shape().rank();
    long[] inDims = x.shape().dims();
    long[] start = new long[rank];   // first kept input index after cropping
    long[] kept = new long[rank];    // input length after cropping
    long[] before = new long[rank];  // padding added before, after cropping
    long[] outDims = new long[rank];
    for (int d = 0; d < rank; d++) {
      long b = pads[0][d];
      long a = pads[1][d];
      if (b < -Integer.MAX_VALUE || b > Integer.MAX_VALUE || a < -Integer.MAX_VALUE || a > Integer.MAX_VALUE) {
        throw ctx.invalid("pads " + b + ", " + a + " of axis " + d + " are out of range");
      }
      start[d] = Math.max(0, -b);
      kept[d] = inDims[d] - Math.max(0, -b) - Math.max(0, -a);
      if (kept[d] < 0) {
        throw ctx.invalid("pads " + b + ", " + a + " crop axis " + d + " (size " + inDims[d] + ") below zero");
      }
      before[d] = Math.max(0, b);
      outDims[d] = kept[d] + before[d] + Math.max(0, a);
      if (!mode.equals("constant") && kept[d] == 0 && outDims[d] > 0) {
        throw ctx.invalid("mode " + mode + " cannot pad axis " + d + ": no input elements are left on it");
      }
    }
    double elements = 1;
    for (long o : outDims) {
      elements *= o;
    }
    if (elements > Integer.MAX_VALUE / x.dtype().byteSize()) {  // byte offsets are ints
      throw ctx.invalid("output shape " + Arrays.toString(outDims) + " is too large");
    }
    Shape out = Shape.of(outDims);
    Tensor y = Tensor.allocate(x.dtype(), out);
    int size = x.dtype().byteSize();
    ByteBuffer from = x.buffer();
    ByteBuffer fill = constant.buffer();
    ByteBuffer to = y.buffer();
    long[] strides = x.shape().strides();
    long[] idx = new long[rank];
    for (long i = 0; i < out.numElements(); i++) {
      long src = 0;
      boolean outside = false;
      for (int d = 0; d < rank && !outside; d++) {
        long p = idx[d] - before[d];
        long n = kept[d];
        if (p < 0 || p >= n) {
          switch (mode) {
            case "edge" -> p = p < 0 ? 0 : n - 1;
            case "reflect" -> p = reflect(p, n);
            case "wrap" -> p = Math.floorMod(p, n);
            default -> outside = true;
          }
        }
        src += (start[d] + p) * strides[d];
      }
      int o = (int) i * size;
      if (outside) {
        to.put(o, fill, 0, size);
      } else {
        to.put(o, from, (int) src * size, size);
      }
      ShapeKernels.next(idx, outDims);
    }
    return y;
  }

  /**
   * numpy 'reflect' (the edge is not repeated): periodic with period 2(n-1), which is also what repeated
   * reflection gives when a pad is longer than the axis.
   */
  static long reflect(long p, long n) {
    if (n == 1) {
      return 0;
    }
    long period = 2 * (n - 1);
    long m = Math.floorMod(p, period);
    return m < n ? m : period - m;
  }
}

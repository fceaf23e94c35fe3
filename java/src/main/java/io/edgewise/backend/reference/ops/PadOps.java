package io.edgewise.backend.reference.ops;

import io.edgewise.backend.reference.OpContext;
import io.edgewise.backend.reference.OpRegistry;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Arrays;

/**
 * Pad in modes constant, edge, reflect and wrap. Pads come from the attribute before opset 11 and from input 1
 * after; negative pads crop; opset 18 adds the `axes` input.
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
    long[] given;
    double constant;
    long[] axes = null;
    if (ctx.opset() < 11) {
      given = ctx.node().attrInts(ctx.opset() < 2 ? "paddings" : "pads", null);
      if (given == null) {
        throw ctx.invalid("attribute pads is required");
      }
      constant = ctx.node().attrFloat("value", 0f);
    } else {
      given = ShapeKernels.longs(ctx, ctx.required(in, 1), "input[1] pads");
      constant = in.length > 2 && in[2] != null ? in[2].getDouble(0) : 0;
      if (in.length > 3 && in[3] != null) {
        axes = ShapeKernels.longs(ctx, in[3], "input[3] axes");
      }
    }
    if (axes == null) {
      axes = new long[rank];
      for (int i = 0; i < rank; i++) {
        axes[i] = i;
      }
    }
    if (given.length != 2 * axes.length) {
      throw ctx.invalid("pads has " + given.length + " entries; expected " + 2 * axes.length);
    }
    long[] before = new long[rank];
    long[] after = new long[rank];
    for (int i = 0; i < axes.length; i++) {
      int a = ShapeKernels.axis(ctx, axes[i], rank, "axes entry");
      before[a] = given[i];
      after[a] = given[i + axes.length];
    }
    long[] inDims = x.shape().dims();
    long[] outDims = new long[rank];
    for (int d = 0; d < rank; d++) {
      outDims[d] = inDims[d] + before[d] + after[d];
      if (outDims[d] < 0) {
        throw ctx.invalid("pads " + Arrays.toString(given) + " crop axis " + d + " below zero");
      }
      if (!mode.equals("constant") && inDims[d] == 0 && outDims[d] > 0) {
        throw ctx.invalid("mode " + mode + " cannot pad the empty axis " + d);
      }
    }
    Shape out = Shape.of(outDims);
    Tensor y = Tensor.allocate(x.dtype(), out);
    long[] strides = x.shape().strides();
    long[] idx = new long[rank];
    boolean floating = x.dtype().isFloatingPoint();
    for (long i = 0; i < out.numElements(); i++) {
      long src = 0;
      boolean outside = false;
      for (int d = 0; d < rank && !outside; d++) {
        long p = idx[d] - before[d];
        long n = inDims[d];
        if (p < 0 || p >= n) {
          switch (mode) {
            case "constant" -> outside = true;
            case "edge" -> p = p < 0 ? 0 : n - 1;
            case "reflect" -> p = reflect(p, n);
            case "wrap" -> p = Math.floorMod(p, n);
            default -> throw ctx.invalid("attribute mode = '" + mode + "' is not constant, edge, reflect or wrap");
          }
        }
        src += p * strides[d];
      }
      if (outside) {
        if (floating) {
          y.setDouble(i, constant);
        } else {
          y.setLong(i, (long) constant);
        }
      } else if (floating) {
        y.setDouble(i, x.getDouble(src));
      } else {
        y.setLong(i, x.getLong(src));
      }
      ShapeKernels.next(idx, outDims);
    }
    return new Tensor[] {y};
  }

  /** numpy 'reflect' (the edge is not repeated), periodic with period 2(n-1). */
  private static long reflect(long p, long n) {
    if (n == 1) {
      return 0;
    }
    long period = 2 * (n - 1);
    long m = Math.floorMod(p, period);
    return m < n ? m : period - m;
  }
}

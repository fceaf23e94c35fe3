package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import java.util.Arrays;

/**
 * Spatial geometry shared by Conv-like and pooling ops: kernel, strides, dilations, begin/end pads and output
 * sizes, resolving auto_pad (SAME_UPPER, SAME_LOWER, VALID) and ceil_mode as ONNX defines them.
 */
public final class ConvGeometry {
  public final int rank;
  public final long[] in;
  public final long[] kernel;
  public final long[] strides;
  public final long[] dilations;
  public final long[] padBegin;
  public final long[] padEnd;
  public final long[] out;

  private ConvGeometry(long[] in, long[] kernel, long[] strides, long[] dilations, long[] padBegin, long[] padEnd,
      long[] out) {
    this.rank = in.length;
    this.in = in;
    this.kernel = kernel;
    this.strides = strides;
    this.dilations = dilations;
    this.padBegin = padBegin;
    this.padEnd = padEnd;
    this.out = out;
  }

  /** Geometry of a convolution or pooling window over `in` (spatial dims only). */
  public static ConvGeometry of(OpContext ctx, long[] in, long[] kernel, boolean ceilMode) {
    int r = in.length;
    long[] strides = attr(ctx, "strides", r, 1);
    long[] dilations = attr(ctx, "dilations", r, 1);
    for (int i = 0; i < r; i++) {
      if (strides[i] <= 0 || dilations[i] <= 0 || kernel[i] <= 0) {
        throw ctx.invalid("kernel " + Arrays.toString(kernel) + ", strides " + Arrays.toString(strides)
            + " and dilations " + Arrays.toString(dilations) + " must be positive");
      }
    }
    String autoPad = ctx.node().attrString("auto_pad", "NOTSET");
    long[] padBegin = new long[r];
    long[] padEnd = new long[r];
    long[] out = new long[r];
    for (int i = 0; i < r; i++) {
      long effective;
      try {
        effective = Math.addExact(Math.multiplyExact(kernel[i] - 1, dilations[i]), 1);
      } catch (ArithmeticException e) {
        throw ctx.invalid("kernel " + Arrays.toString(kernel) + " with dilations " + Arrays.toString(dilations)
            + " overflows on spatial axis " + i);
      }
      switch (autoPad) {
        case "SAME_UPPER", "SAME_LOWER" -> {
          out[i] = ceilDiv(in[i], strides[i]);
          long total = Math.max(0, (out[i] - 1) * strides[i] + effective - in[i]);
          padBegin[i] = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
          padEnd[i] = total - padBegin[i];
        }
        case "VALID" -> out[i] = Math.max(0, ceilDiv(in[i] - effective + 1, strides[i]));
        case "NOTSET", "" -> {
          long[] pads = ctx.node().attrInts("pads", new long[2 * r]);
          if (pads.length != 2 * r) {
            throw ctx.invalid("attribute pads has " + pads.length + " entries, expected " + 2 * r);
          }
          padBegin[i] = pads[i];
          padEnd[i] = pads[i + r];
          if (padBegin[i] < 0 || padEnd[i] < 0) {
            throw ctx.invalid("attribute pads " + Arrays.toString(pads) + " has a negative entry");
          }
          long span;
          try {
            span = Math.subtractExact(Math.addExact(Math.addExact(in[i], padBegin[i]), padEnd[i]), effective);
          } catch (ArithmeticException e) {
            throw ctx.invalid("attribute pads " + Arrays.toString(pads) + " overflows on spatial axis " + i);
          }
          if (span < 0) {
            throw ctx.invalid("kernel extent " + effective + " exceeds the padded input " + (in[i] + padBegin[i]
                + padEnd[i]) + " on spatial axis " + i);
          }
          out[i] = (ceilMode ? ceilDiv(span, strides[i]) : span / strides[i]) + 1;
          // a window may not start in the end padding (it would see no input at all)
          if (ceilMode && (out[i] - 1) * strides[i] >= in[i] + padBegin[i]) {
            out[i]--;
          }
        }
        default -> throw ctx.invalid("attribute auto_pad = '" + autoPad + "' is not one of NOTSET, SAME_UPPER, "
            + "SAME_LOWER, VALID");
      }
    }
    ConvGeometry g = new ConvGeometry(in, kernel, strides, dilations, padBegin, padEnd, out);
    // the kernels index window tables with ints: refuse geometries whose tables could not exist
    try {
      Math.toIntExact(Math.multiplyExact(g.outSize(), g.kernelSize()));
      Math.toIntExact(g.inSize());
    } catch (ArithmeticException e) {
      throw ctx.invalid("output " + Arrays.toString(out) + " x kernel " + Arrays.toString(kernel)
          + " is too large to compute (pads " + Arrays.toString(padBegin) + "/" + Arrays.toString(padEnd) + ")");
    }
    return g;
  }

  static long[] attr(OpContext ctx, String name, int rank, long fill) {
    long[] v = ctx.node().attrInts(name, null);
    if (v == null) {
      v = new long[rank];
      Arrays.fill(v, fill);
    } else if (v.length != rank) {
      throw ctx.invalid("attribute " + name + " " + Arrays.toString(v) + " needs " + rank + " entries");
    }
    return v;
  }

  static long ceilDiv(long a, long b) {
    return Math.floorDiv(a + b - 1, b);
  }

  long outSize() {
    return product(out);
  }

  long inSize() {
    return product(in);
  }

  long kernelSize() {
    return product(kernel);
  }

  /** Product that throws ArithmeticException on overflow instead of wrapping. */
  private static long product(long[] dims) {
    long n = 1;
    for (long d : dims) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /**
   * For each output position o and kernel offset kk: the flat index into one input channel's image, or -1 where
   * the window covers padding. Row kk * outSize + o. Shared by im2col and pooling.
   */
  int[] windowIndex() {
    int outN = Math.toIntExact(outSize());
    int kN = Math.toIntExact(kernelSize());
    int[] index = new int[Math.multiplyExact(outN, kN)];
    long[] o = new long[rank];
    long[] k = new long[rank];
    for (int kk = 0; kk < kN; kk++) {
      Arrays.fill(o, 0);
      for (int p = 0; p < outN; p++) {
        long flat = 0;
        boolean inside = true;
        for (int d = 0; d < rank; d++) {
          long pos = o[d] * strides[d] - padBegin[d] + k[d] * dilations[d];
          if (pos < 0 || pos >= in[d]) {
            inside = false;
            break;
          }
          flat = flat * in[d] + pos;
        }
        index[kk * outN + p] = inside ? (int) flat : -1;
        ShapeKernels.next(o, out);
      }
      ShapeKernels.next(k, kernel);
    }
    return index;
  }
}

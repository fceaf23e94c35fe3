package io.edgewise.backend.reference.ops;

import io.edgewise.backend.reference.OpContext;
import io.edgewise.backend.reference.OpRegistry;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * Resize (opset 10 to 19) and Upsample (7 to 9). The output is separable: along each axis every output coordinate
 * maps to a few input taps with weights (ResizeTaps), and an output element is the weighted sum over the product
 * of its axes' taps. Semantics follow onnx/reference/ops/op_resize.py.
 */
public final class ResizeOps {
  private ResizeOps() {}

  public static void register(OpRegistry r) {
    r.register("Resize", ResizeOps::resize);
    r.register("Upsample", ResizeOps::upsample);
  }

  private static Tensor[] upsample(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    double[] scales = ctx.opset() < 9 ? floats(ctx.node().attrFloats("scales", null))
        : ctx.required(in, 1).toDoubleArray();
    if (scales == null || scales.length != x.shape().rank()) {
      throw ctx.invalid("scales must give one factor per axis of " + x.shape());
    }
    ResizeTaps.Settings s = new ResizeTaps.Settings(ctx.node().attrString("mode", "nearest"), "asymmetric",
        "floor", -0.75, false, 0, false);
    return new Tensor[] {apply(ctx, x, scales, outputSize(x.shape(), scales), null, s)};
  }

  private static Tensor[] resize(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    int rank = x.shape().rank();
    var node = ctx.node();
    boolean v10 = ctx.opset() < 11;
    Tensor roiT = v10 ? null : optional(in, 1);
    Tensor scalesT = v10 ? ctx.required(in, 1) : optional(in, 2);
    Tensor sizesT = v10 ? null : optional(in, 3);
    long[] axes = node.attrInts("axes", null);
    if (axes == null) {
      axes = new long[rank];
      for (int i = 0; i < rank; i++) {
        axes[i] = i;
      }
    }
    int[] axis = new int[axes.length];
    for (int i = 0; i < axes.length; i++) {
      axis[i] = ShapeKernels.axis(ctx, axes[i], rank, "axes entry");
    }
    double[] scales = new double[rank];
    java.util.Arrays.fill(scales, 1);
    long[] out = x.shape().dims();
    boolean haveScales = scalesT != null && scalesT.size() > 0;
    boolean haveSizes = sizesT != null && sizesT.size() > 0;
    if (haveScales == haveSizes) {
      throw ctx.invalid("exactly one of scales and sizes must be given");
    }
    if (haveScales) {
      double[] given = scalesT.toDoubleArray();
      if (given.length != axis.length) {
        throw ctx.invalid("scales has " + given.length + " entries for " + axis.length + " axes");
      }
      for (int i = 0; i < axis.length; i++) {
        if (given[i] <= 0) {
          throw ctx.invalid("scales[" + i + "] = " + given[i] + " must be positive");
        }
        scales[axis[i]] = given[i];
      }
      out = outputSize(x.shape(), scales);
    } else {
      long[] sizes = ShapeKernels.longs(ctx, sizesT, "input[3] sizes");
      if (sizes.length != axis.length) {
        throw ctx.invalid("sizes has " + sizes.length + " entries for " + axis.length + " axes");
      }
      String policy = node.attrString("keep_aspect_ratio_policy", "stretch");
      if (policy.equals("stretch")) {
        for (int i = 0; i < axis.length; i++) {
          out[axis[i]] = sizes[i];
          scales[axis[i]] = (double) sizes[i] / x.shape().dim(axis[i]);
        }
      } else {
        double scale = policy.equals("not_larger") ? Double.MAX_VALUE : 0;
        for (int i = 0; i < axis.length; i++) {
          double s = (double) sizes[i] / x.shape().dim(axis[i]);
          scale = policy.equals("not_larger") ? Math.min(scale, s) : Math.max(scale, s);
        }
        if (!policy.equals("not_larger") && !policy.equals("not_smaller")) {
          throw ctx.invalid("attribute keep_aspect_ratio_policy = '" + policy + "' is not stretch, not_larger or "
              + "not_smaller");
        }
        for (int a : axis) {
          scales[a] = scale;
          out[a] = (long) Math.rint(scale * x.shape().dim(a));
        }
      }
    }
    double[] roi = null;
    String transform = v10 ? "asymmetric" : node.attrString("coordinate_transformation_mode", "half_pixel");
    if (transform.equals("tf_crop_and_resize")) {
      if (roiT == null) {
        throw ctx.invalid("coordinate_transformation_mode tf_crop_and_resize needs the roi input");
      }
      double[] given = roiT.toDoubleArray();
      if (given.length != 2 * axis.length) {
        throw ctx.invalid("roi has " + given.length + " entries; expected " + 2 * axis.length);
      }
      roi = new double[2 * rank];
      for (int d = 0; d < rank; d++) {
        roi[rank + d] = 1;
      }
      for (int i = 0; i < axis.length; i++) {
        roi[axis[i]] = given[i];
        roi[rank + axis[i]] = given[axis.length + i];
      }
    }
    ResizeTaps.Settings s = new ResizeTaps.Settings(node.attrString("mode", "nearest"), transform,
        v10 ? "floor" : node.attrString("nearest_mode", "round_prefer_floor"), node.attrFloat("cubic_coeff_a", -0.75f),
        node.attrInt("exclude_outside", 0) == 1, node.attrFloat("extrapolation_value", 0f),
        node.attrInt("antialias", 0) == 1);
    return new Tensor[] {apply(ctx, x, scales, out, roi, s)};
  }

  private static Tensor optional(Tensor[] in, int i) {
    return i < in.length ? in[i] : null;
  }

  private static double[] floats(float[] f) {
    if (f == null) {
      return null;
    }
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static long[] outputSize(Shape in, double[] scales) {
    long[] out = new long[in.rank()];
    for (int d = 0; d < out.length; d++) {
      out[d] = (long) Math.floor(in.dim(d) * scales[d]);
    }
    return out;
  }

  private static Tensor apply(OpContext ctx, Tensor x, double[] scales, long[] out, double[] roi,
      ResizeTaps.Settings s) {
    int rank = x.shape().rank();
    ResizeTaps[] taps = new ResizeTaps[rank];
    for (int d = 0; d < rank; d++) {
      if (out[d] < 0) {
        throw ctx.invalid("output size " + out[d] + " on axis " + d + " is negative");
      }
      taps[d] = ResizeTaps.build(ctx, x.shape().dim(d), out[d], scales[d],
          roi == null ? 0 : roi[d], roi == null ? 1 : roi[rank + d], s);
    }
    Shape outShape = Shape.of(out);
    Tensor y = Tensor.allocate(x.dtype(), outShape);
    double[] xv = x.toDoubleArray();
    long[] strides = x.shape().strides();
    long[] idx = new long[rank];
    int[] tap = new int[rank];
    for (long i = 0; i < outShape.numElements(); i++) {
      boolean outside = false;
      for (int d = 0; d < rank; d++) {
        outside |= taps[d].outside[(int) idx[d]];
      }
      double value;
      if (outside) {
        value = s.extrapolation();
      } else {
        value = 0;
        java.util.Arrays.fill(tap, 0);
        while (true) {
          double w = 1;
          long src = 0;
          for (int d = 0; d < rank; d++) {
            int o = (int) idx[d];
            w *= taps[d].weights[o][tap[d]];
            src += taps[d].indices[o][tap[d]] * strides[d];
          }
          if (w != 0) {
            value += w * xv[(int) src];
          }
          int d = rank - 1;
          while (d >= 0 && ++tap[d] >= taps[d].indices[(int) idx[d]].length) {
            tap[d] = 0;
            d--;
          }
          if (d < 0) {
            break;
          }
        }
      }
      if (x.dtype().isFloatingPoint()) {
        y.setDouble(i, value);
      } else {
        y.setLong(i, (long) Math.rint(value));
      }
      ShapeKernels.next(idx, out);
    }
    return y;
  }
}

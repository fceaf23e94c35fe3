package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Arrays;

/**
 * Resize (opset 10 to 19+) and Upsample (7 to 9). The output is separable: along each axis every output
 * coordinate maps to a few input taps with weights (ResizeTaps), and an output element is the weighted sum over
 * the product of its axes' taps. Semantics follow onnx/reference/ops/op_resize.py: output length floor(in *
 * scale) from scales; from sizes the scale is size / in, and keep_aspect_ratio_policy not_larger / not_smaller
 * uses one scale for all listed axes with lengths rounded half up. Integer outputs truncate toward zero (numpy's
 * astype in the reference) and saturate to the type's range.
 */
public final class ResizeOps {
  private ResizeOps() {}

  public static void register(OpRegistry r) {
    r.register("Resize", ResizeOps::resize);
    r.register("Upsample", ResizeOps::upsample);
  }

  /** Upsample: scales from the attribute (opset 7-8) or input 1 (opset 9); asymmetric coordinates, floor. */
  private static Tensor[] upsample(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    double[] scales;
    if (ctx.opset() < 9) {
      float[] attr = ctx.node().attrFloats("scales", null);
      if (attr == null) {
        throw ctx.invalid("attribute scales is required");
      }
      scales = new double[attr.length];
      for (int i = 0; i < attr.length; i++) {
        scales[i] = attr[i];
      }
    } else {
      scales = ctx.required(in, 1).toDoubleArray();
    }
    if (scales.length != x.shape().rank()) {
      throw ctx.invalid("scales has " + scales.length + " entries; expected one per axis of " + x.shape());
    }
    checkScales(ctx, scales, "scales");
    String mode = ctx.node().attrString("mode", "nearest");
    if (mode.equals("bilinear")) {  // Upsample-1's name for linear
      mode = "linear";
    }
    if (!mode.equals("nearest") && !mode.equals("linear")) {
      throw ctx.invalid("attribute mode = '" + mode + "' is not nearest or linear");
    }
    ResizeTaps.Settings s = new ResizeTaps.Settings(mode, "asymmetric", "floor", -0.75, false, 0, false);
    return new Tensor[] {apply(ctx, x, scales, outputSize(ctx, x.shape(), scales), null, s)};
  }

  private static Tensor[] resize(OpContext ctx, Tensor[] in) {
    Parsed p = parse(ctx, in);
    return new Tensor[] {apply(ctx, ctx.required(in, 0), p.scales(), p.out(), p.roi(), p.settings())};
  }

  /** A Resize node's output size, scales, region of interest and tap settings, from its inputs and attributes. */
  private record Parsed(double[] scales, long[] out, double[] roi, ResizeTaps.Settings settings) {}

  /**
   * For a native kernel: per axis, the input index each output index copies, when every output element copies one
   * input element (nearest mode, no extrapolation) and the output is not empty; else null. Invalid attributes and
   * inputs throw as the reference kernel does.
   */
  public static long[][] nearestSources(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Parsed p = parse(ctx, in);
    int rank = x.shape().rank();
    ResizeTaps[] taps = new ResizeTaps[rank];
    for (int d = 0; d < rank; d++) {
      if (x.shape().dim(d) == 0 || p.out()[d] == 0) {
        return null;
      }
      taps[d] = ResizeTaps.build(ctx, x.shape().dim(d), p.out()[d], p.scales()[d],
          p.roi() == null ? 0 : p.roi()[d], p.roi() == null ? 1 : p.roi()[rank + d], p.settings());
    }
    if (!allSingleUnitTaps(taps)) {
      return null;
    }
    long[][] sources = new long[rank][];
    for (int d = 0; d < rank; d++) {
      sources[d] = new long[taps[d].indices.length];
      for (int o = 0; o < sources[d].length; o++) {
        sources[d][o] = taps[d].indices[o][0];
      }
    }
    return sources;
  }

  /**
   * For a native kernel: per axis, the two input indices each output index blends and their weights (index[2 o],
   * index[2 o + 1], weight likewise; a single tap has a second of weight 0), when every output element is such a
   * blend of at most two taps per axis inside the input (linear mode without antialias or extrapolation) and the
   * output is not empty; else null. Invalid attributes and inputs throw as the reference kernel does.
   */
  public static TwoTaps[] linearTaps(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Parsed p = parse(ctx, in);
    int rank = x.shape().rank();
    if (!p.settings().mode().equals("linear") || p.settings().antialias()) {
      return null;
    }
    TwoTaps[] all = new TwoTaps[rank];
    for (int d = 0; d < rank; d++) {
      if (x.shape().dim(d) == 0 || p.out()[d] == 0) {
        return null;
      }
      ResizeTaps t = ResizeTaps.build(ctx, x.shape().dim(d), p.out()[d], p.scales()[d],
          p.roi() == null ? 0 : p.roi()[d], p.roi() == null ? 1 : p.roi()[rank + d], p.settings());
      int n = t.indices.length;
      long[] index = new long[2 * n];
      double[] weight = new double[2 * n];
      for (int o = 0; o < n; o++) {
        int k = t.indices[o].length;
        if (t.outside[o] || k == 0 || k > 2) {
          return null;
        }
        index[2 * o] = t.indices[o][0];
        weight[2 * o] = t.weights[o][0];
        index[2 * o + 1] = t.indices[o][k - 1];
        weight[2 * o + 1] = k == 2 ? t.weights[o][1] : 0;
      }
      all[d] = new TwoTaps(index, weight);
    }
    return all;
  }

  /** One axis of {@link #linearTaps}: two (index, weight) pairs per output index. */
  public record TwoTaps(long[] index, double[] weight) {
    /** Whether output index o reads input index o alone (an axis that is not resized). */
    public boolean identity() {
      for (int o = 0; o < index.length / 2; o++) {
        if (index[2 * o] != o || weight[2 * o] != 1 || weight[2 * o + 1] != 0) {
          return false;
        }
      }
      return true;
    }
  }

  private static Parsed parse(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Shape shape = x.shape();
    int rank = shape.rank();
    var node = ctx.node();
    boolean v10 = ctx.opset() < 11;
    Tensor roiT = v10 ? null : optional(in, 1);
    Tensor scalesT = v10 ? ctx.required(in, 1) : optional(in, 2);
    Tensor sizesT = v10 ? null : optional(in, 3);
    int[] axis = axes(ctx, node.attrInts("axes", null), rank);
    double[] scales = new double[rank];
    Arrays.fill(scales, 1);
    long[] out = shape.dims();
    boolean haveScales = scalesT != null && scalesT.size() > 0;
    boolean haveSizes = sizesT != null && sizesT.size() > 0;
    if (haveScales == haveSizes) {
      throw ctx.invalid(haveScales ? "input scales and input sizes are both given; exactly one must be"
          : "neither input scales nor input sizes is given; exactly one must be");
    }
    if (haveScales) {
      if (!scalesT.dtype().isFloatingPoint()) {
        throw ctx.invalid("input scales must be floating point, got " + scalesT.dtype());
      }
      double[] given = scalesT.toDoubleArray();
      if (given.length != axis.length) {
        throw ctx.invalid("input scales has " + given.length + " entries for " + axis.length + " axes");
      }
      checkScales(ctx, given, "input scales");
      for (int i = 0; i < axis.length; i++) {
        scales[axis[i]] = given[i];
      }
      out = outputSize(ctx, shape, scales);
    } else {
      long[] sizes = ShapeKernels.longs(ctx, sizesT, "input sizes");
      if (sizes.length != axis.length) {
        throw ctx.invalid("input sizes has " + sizes.length + " entries for " + axis.length + " axes");
      }
      for (int i = 0; i < sizes.length; i++) {
        if (sizes[i] < 0) {
          throw ctx.invalid("input sizes[" + i + "] = " + sizes[i] + " is negative");
        }
      }
      sizesToScales(ctx, shape, axis, sizes, node.attrString("keep_aspect_ratio_policy", "stretch"), scales, out);
    }
    String transform = v10 ? "asymmetric" : node.attrString("coordinate_transformation_mode", "half_pixel");
    double[] roi = transform.equals("tf_crop_and_resize") ? roi(ctx, roiT, axis, rank) : null;
    String mode = node.attrString("mode", "nearest");
    ResizeTaps.Settings s = new ResizeTaps.Settings(mode, transform,
        v10 ? "floor" : node.attrString("nearest_mode", "round_prefer_floor"), node.attrFloat("cubic_coeff_a", -0.75f),
        node.attrInt("exclude_outside", 0) == 1, node.attrFloat("extrapolation_value", 0f),
        node.attrInt("antialias", 0) == 1 && !mode.equals("nearest"));
    return new Parsed(scales, out, roi, s);
  }

  /** The resized axes: attribute axes (opset 18), each once, or all of them. */
  private static int[] axes(OpContext ctx, long[] given, int rank) {
    if (given == null) {
      int[] all = new int[rank];
      for (int i = 0; i < rank; i++) {
        all[i] = i;
      }
      return all;
    }
    int[] axis = new int[given.length];
    boolean[] seen = new boolean[rank];
    for (int i = 0; i < given.length; i++) {
      axis[i] = ShapeKernels.axis(ctx, given[i], rank, "attribute axes entry");
      if (seen[axis[i]]) {
        throw ctx.invalid("attribute axes names axis " + axis[i] + " twice");
      }
      seen[axis[i]] = true;
    }
    return axis;
  }

  private static void checkScales(OpContext ctx, double[] scales, String what) {
    for (int i = 0; i < scales.length; i++) {
      if (!(scales[i] > 0) || Double.isInfinite(scales[i])) {
        throw ctx.invalid(what + "[" + i + "] = " + scales[i] + " must be positive and finite");
      }
    }
  }

  /** Fills scales and out from sizes under keep_aspect_ratio_policy. */
  private static void sizesToScales(OpContext ctx, Shape shape, int[] axis, long[] sizes, String policy,
      double[] scales, long[] out) {
    switch (policy) {
      case "stretch" -> {
        for (int i = 0; i < axis.length; i++) {
          out[axis[i]] = sizes[i];
          scales[axis[i]] = (double) sizes[i] / shape.dim(axis[i]);
        }
      }
      case "not_larger", "not_smaller" -> {
        boolean notLarger = policy.equals("not_larger");
        double scale = notLarger ? Double.POSITIVE_INFINITY : 0;
        for (int i = 0; i < axis.length; i++) {
          double s = (double) sizes[i] / shape.dim(axis[i]);
          scale = notLarger ? Math.min(scale, s) : Math.max(scale, s);
        }
        for (int a : axis) {
          scales[a] = scale;
          out[a] = (long) Math.floor(scale * shape.dim(a) + 0.5);  // the reference's round_half_up
        }
      }
      default -> throw ctx.invalid("attribute keep_aspect_ratio_policy = '" + policy + "' is not stretch, "
          + "not_larger or not_smaller");
    }
  }

  /** roi as [start_0..start_r-1, end_0..end_r-1] over all axes; axes not listed keep [0, 1]. */
  private static double[] roi(OpContext ctx, Tensor roiT, int[] axis, int rank) {
    if (roiT == null || roiT.size() == 0) {
      throw ctx.invalid("coordinate_transformation_mode tf_crop_and_resize needs the roi input");
    }
    double[] given = roiT.toDoubleArray();
    if (given.length != 2 * axis.length) {
      throw ctx.invalid("input roi has " + given.length + " entries; expected " + 2 * axis.length);
    }
    double[] roi = new double[2 * rank];
    Arrays.fill(roi, rank, 2 * rank, 1);
    for (int i = 0; i < axis.length; i++) {
      roi[axis[i]] = given[i];
      roi[rank + axis[i]] = given[axis.length + i];
    }
    return roi;
  }

  private static Tensor optional(Tensor[] in, int i) {
    return i < in.length ? in[i] : null;
  }

  /** floor(in * scale) per axis, as the reference's (scales * shape).astype(int). */
  private static long[] outputSize(OpContext ctx, Shape in, double[] scales) {
    long[] out = new long[in.rank()];
    for (int d = 0; d < out.length; d++) {
      double v = Math.floor(in.dim(d) * scales[d]);
      if (v > Integer.MAX_VALUE) {
        throw ctx.invalid("scale " + scales[d] + " makes axis " + d + " of " + in + " too long");
      }
      out[d] = (long) v;
    }
    return out;
  }

  private static Tensor apply(OpContext ctx, Tensor x, double[] scales, long[] out, double[] roi,
      ResizeTaps.Settings s) {
    int rank = x.shape().rank();
    double elements = 1;
    for (long o : out) {
      elements *= o;
    }
    if (elements > Integer.MAX_VALUE - 8) {  // the longest Java array, which the accumulator is
      throw ctx.invalid("output shape " + Arrays.toString(out) + " is too large");
    }
    Shape outShape = Shape.of(out);
    ResizeTaps[] taps = new ResizeTaps[rank];
    for (int d = 0; d < rank; d++) {
      if (x.shape().dim(d) == 0 && out[d] > 0) {
        throw ctx.invalid("axis " + d + " of input " + x.shape() + " is empty and cannot be resized to " + out[d]);
      }
      if (outShape.numElements() == 0) {
        ResizeTaps.build(ctx, x.shape().dim(d), 0, scales[d], 0, 1, s);  // still refuses unknown attribute values
        continue;
      }
      taps[d] = ResizeTaps.build(ctx, x.shape().dim(d), out[d], scales[d],
          roi == null ? 0 : roi[d], roi == null ? 1 : roi[rank + d], s);
    }
    if (outShape.numElements() == 0) {
      return Tensor.allocate(x.dtype(), outShape);
    }
    int count = (int) outShape.numElements();
    if (allSingleUnitTaps(taps)) {
      return gather(x, outShape, taps);
    }
    double[] xv = x.toDoubleArray();
    double[] yv = new double[count];
    long[] strides = x.shape().strides();
    long[] idx = new long[rank];
    int[] tap = new int[rank];
    for (int i = 0; i < count; i++) {
      boolean outside = false;
      boolean empty = false;
      for (int d = 0; d < rank; d++) {
        outside |= taps[d].outside[(int) idx[d]];
        empty |= taps[d].indices[(int) idx[d]].length == 0;
      }
      double value = 0;
      if (outside) {
        value = s.extrapolation();
      } else if (!empty) {
        Arrays.fill(tap, 0);
        while (true) {
          double w = 1;
          long src = 0;
          for (int d = 0; d < rank; d++) {
            int o = (int) idx[d];
            w *= taps[d].weights[o][tap[d]];
            src += taps[d].indices[o][tap[d]] * strides[d];
          }
          value += w * xv[(int) src];
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
      yv[i] = value;
      ShapeKernels.next(idx, out);
    }
    return store(x.dtype(), outShape, yv);
  }

  /** True when every output element copies one input element (nearest mode without extrapolation). */
  private static boolean allSingleUnitTaps(ResizeTaps[] taps) {
    for (ResizeTaps t : taps) {
      for (int o = 0; o < t.weights.length; o++) {
        if (t.outside[o] || t.weights[o].length != 1 || t.weights[o][0] != 1) {
          return false;
        }
      }
    }
    return true;
  }

  /** Copies whole elements as bytes, so nearest mode keeps every dtype exact (int64 beyond 2^53 included). */
  private static Tensor gather(Tensor x, Shape outShape, ResizeTaps[] taps) {
    int rank = taps.length;
    long[] out = outShape.dims();
    long[] strides = x.shape().strides();
    int[] index = new int[(int) outShape.numElements()];
    long[] idx = new long[rank];
    for (int i = 0; i < index.length; i++) {
      long src = 0;
      for (int d = 0; d < rank; d++) {
        src += taps[d].indices[(int) idx[d]][0] * strides[d];
      }
      index[i] = (int) src;
      ShapeKernels.next(idx, out);
    }
    return ShapeKernels.gather(x, outShape, index);
  }

  private static Tensor store(DType dtype, Shape shape, double[] v) {
    Tensor y = Tensor.allocate(dtype, shape);
    if (dtype == DType.FLOAT32) {
      float[] f = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        f[i] = (float) v[i];
      }
      y.setFloats(f);
    } else if (dtype.isFloatingPoint() || dtype == DType.BOOL || dtype == DType.UINT64) {
      for (int i = 0; i < v.length; i++) {
        y.setDouble(i, v[i]);
      }
    } else {
      double lo = dtype.isSigned() ? -Math.pow(2, 8 * dtype.byteSize() - 1) : 0;
      double hi = Math.pow(2, 8 * dtype.byteSize() - (dtype.isSigned() ? 1 : 0)) - 1;
      for (int i = 0; i < v.length; i++) {
        y.setLong(i, (long) Math.max(lo, Math.min(hi, v[i])));  // the cast truncates toward zero
      }
    }
    return y;
  }
}

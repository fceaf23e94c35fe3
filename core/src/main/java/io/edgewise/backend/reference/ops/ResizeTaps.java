package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;

/** For one axis of a Resize: per output coordinate, the input indices read and their weights. */
final class ResizeTaps {
  /** The attributes that shape the taps. */
  record Settings(String mode, String transform, String nearestMode, double cubicA, boolean excludeOutside,
      double extrapolation, boolean antialias) {}

  /** Antialias filters read about 2 / scale taps (4 / scale for cubic); beyond this a model is not sane. */
  private static final int MAX_ANTIALIAS_REACH = 1 << 16;

  final long[][] indices;
  final double[][] weights;
  final boolean[] outside;

  private ResizeTaps(int n) {
    indices = new long[n][];
    weights = new double[n][];
    outside = new boolean[n];
  }

  /**
   * The taps of every output coordinate along one axis of length `in` resized to `out`. `outFloat` is the
   * real-valued output length scale * in, which the ONNX reference uses in align_corners and tf_crop_and_resize
   * (with scales 0.6 on length 4: 2.4, not 2).
   */
  static ResizeTaps build(OpContext ctx, long in, long out, double scale, double roiStart, double roiEnd,
      Settings s) {
    double outFloat = scale * in;
    // Refuse unknown mode names even when the axis has no outputs.
    original(ctx, 0, in, out, outFloat, scale, roiStart, roiEnd, s.transform());
    coefficients(ctx, 0.5, scale, s);
    ResizeTaps t = new ResizeTaps((int) out);
    for (int o = 0; o < out; o++) {
      double x = original(ctx, o, in, out, outFloat, scale, roiStart, roiEnd, s.transform());
      if (s.transform().equals("tf_crop_and_resize") && (x < 0 || x > in - 1)) {
        t.outside[o] = true;
        t.indices[o] = new long[0];
        t.weights[o] = new double[0];
        continue;
      }
      long base = (long) Math.floor(x);
      double ratio = x - base;
      if (ratio == 0) {  // as the ONNX reference: an exact hit counts as ratio 1 of the previous cell
        base -= 1;
        ratio = 1;
      }
      double[] coeffs = coefficients(ctx, ratio, scale, s);
      int n = coeffs.length;
      long first = base - n / 2 + 1;  // the n taps nearest to x, preferring the lower ones on ties
      long[] idx = new long[n];
      for (int j = 0; j < n; j++) {
        long i = first + j;
        if (i < 0 || i >= in) {
          if (s.excludeOutside()) {
            coeffs[j] = 0;
          }
          i = Math.max(0, Math.min(in - 1, i));  // edge padding
        }
        idx[j] = i;
      }
      if (s.excludeOutside()) {
        double sum = 0;
        for (double c : coeffs) {
          sum += c;
        }
        for (int j = 0; j < n; j++) {
          coeffs[j] /= sum;
        }
      }
      keepNonZero(t, o, idx, coeffs);
    }
    return t;
  }

  /** Drops taps of weight 0 (most of them in nearest mode and on axes that are not resized). */
  private static void keepNonZero(ResizeTaps t, int o, long[] idx, double[] coeffs) {
    int k = 0;
    for (double c : coeffs) {
      k += c != 0 ? 1 : 0;
    }
    t.indices[o] = new long[k];
    t.weights[o] = new double[k];
    k = 0;
    for (int j = 0; j < coeffs.length; j++) {
      if (coeffs[j] != 0) {
        t.indices[o][k] = idx[j];
        t.weights[o][k++] = coeffs[j];
      }
    }
  }

  /**
   * The input coordinate an output coordinate maps to, as onnx/reference/ops/op_resize.py computes it, except
   * pytorch_half_pixel with one output element, which the spec and ONNX Runtime map to 0 (the Python reference
   * uses -0.5; nearest and linear give the same value either way).
   */
  private static double original(OpContext ctx, double o, long in, long out, double outFloat, double scale,
      double roiStart, double roiEnd, String transform) {
    return switch (transform) {
      case "half_pixel" -> (o + 0.5) / scale - 0.5;
      case "half_pixel_symmetric" -> {
        double adjustment = out / outFloat;
        double center = in / 2.0;
        double offset = center * (1 - adjustment);
        yield offset + (o + 0.5) / scale - 0.5;
      }
      case "pytorch_half_pixel" -> outFloat == 1 ? 0 : (o + 0.5) / scale - 0.5;
      case "align_corners" -> outFloat == 1 ? 0 : o * (in - 1) / (outFloat - 1);
      case "asymmetric" -> o / scale;
      case "tf_crop_and_resize" -> (outFloat == 1
          ? (roiEnd - roiStart) * (in - 1) / 2
          : o * (roiEnd - roiStart) * (in - 1) / (outFloat - 1)) + roiStart * (in - 1);
      default -> throw ctx.invalid("attribute coordinate_transformation_mode = '" + transform + "' is not "
          + "half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric or tf_crop_and_resize");
    };
  }

  /** Weights of the taps first..first+n-1 around a point at `ratio` in (0, 1] past tap n/2 - 1. */
  private static double[] coefficients(OpContext ctx, double ratio, double scale, Settings s) {
    if (s.antialias() && scale < 1.0 / MAX_ANTIALIAS_REACH) {
      throw ctx.invalid("antialias downscaling by " + scale + " needs more than " + 2 * MAX_ANTIALIAS_REACH
          + " taps per output");
    }
    switch (s.mode()) {
      case "nearest" -> {
        boolean up = switch (s.nearestMode()) {
          case "round_prefer_floor" -> ratio == 1 || ratio > 0.5;
          case "round_prefer_ceil" -> ratio == 1 || ratio >= 0.5;
          case "floor" -> ratio == 1;
          case "ceil" -> true;
          default -> throw ctx.invalid("attribute nearest_mode = '" + s.nearestMode() + "' is not "
              + "round_prefer_floor, round_prefer_ceil, floor or ceil");
        };
        return up ? new double[] {0, 1} : new double[] {1, 0};
      }
      case "linear" -> {
        double sc = s.antialias() ? Math.min(scale, 1) : 1;
        int start = (int) Math.floor(-1 / sc) + 1;
        int footprint = 2 - 2 * start;
        double[] c = new double[footprint];
        double sum = 0;
        for (int j = 0; j < footprint; j++) {
          c[j] = Math.max(0, Math.min(1, 1 - Math.abs((start + j - ratio) * sc)));
          sum += c[j];
        }
        return normalize(c, sum, s.antialias());
      }
      case "cubic" -> {
        double sc = s.antialias() ? Math.min(scale, 1) : 1;
        int start = (int) Math.floor(-2 / sc) + 1;
        int end = 2 - start;
        double[] c = new double[end - start];
        double sum = 0;
        for (int j = 0; j < c.length; j++) {
          c[j] = cubic(Math.abs((start + j - ratio) * sc), s.cubicA());
          sum += c[j];
        }
        return normalize(c, sum, s.antialias());
      }
      default -> throw ctx.invalid("attribute mode = '" + s.mode() + "' is not nearest, linear or cubic");
    }
  }

  private static double[] normalize(double[] c, double sum, boolean antialias) {
    if (antialias && sum != 0) {
      for (int j = 0; j < c.length; j++) {
        c[j] /= sum;
      }
    }
    return c;
  }

  /** Keys' cubic convolution kernel with coefficient a. */
  private static double cubic(double x, double a) {
    if (x <= 1) {
      return ((a + 2) * x - (a + 3)) * x * x + 1;
    }
    if (x < 2) {
      return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }
    return 0;
  }
}

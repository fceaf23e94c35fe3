package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * InstanceNormalization (opset 6, 22) and GroupNormalization (18, 21) on X of shape [N, C, D1, ...]: the channels
 * fall into G groups of C / G consecutive channels (G = C for InstanceNormalization), each (batch, group) slice is
 * normalised to (x - mean) / sqrt(var + epsilon) over its channels and spatial positions (biased variance, epsilon
 * default 1e-5), then y = scale * normalised + bias.
 *
 * <p>scale and bias hold one value per channel (InstanceNormalization; GroupNormalization from opset 21) or one per
 * group (GroupNormalization-18, as that version's spec says). Computed in double, stored at X's dtype.
 */
final class GroupNormKernel {
  private GroupNormKernel() {}

  static Tensor[] instanceNorm(OpContext ctx, Tensor[] in) {
    Tensor x = NormOps.channelsInput(ctx, in, 3);
    long c = x.shape().dim(1);
    return normalize(ctx, x, ctx.required(in, 1), ctx.required(in, 2), c, true);
  }

  static Tensor[] groupNorm(OpContext ctx, Tensor[] in) {
    Tensor x = NormOps.channelsInput(ctx, in, 2);
    long groups = ctx.node().attrInt("num_groups", 0);
    long c = x.shape().dim(1);
    if (groups <= 0 || c % groups != 0) {
      throw ctx.invalid("attribute num_groups = " + groups + " must be positive and divide the channels " + c);
    }
    return normalize(ctx, x, ctx.required(in, 1), ctx.required(in, 2), groups, ctx.opset() >= 21);
  }

  private static Tensor[] normalize(OpContext ctx, Tensor x, Tensor scale, Tensor bias, long groups,
      boolean perChannel) {
    Shape s = x.shape();
    long n = s.dim(0);
    long c = s.dim(1);
    long spatial = 1;
    for (int d = 2; d < s.rank(); d++) {
      spatial *= s.dim(d);
    }
    long expected = perChannel ? c : groups;
    String[] names = {"scale", "bias"};
    Tensor[] params = {scale, bias};
    for (int k = 0; k < 2; k++) {
      if (params[k].size() != expected) {
        throw ctx.invalid("input[" + (k + 1) + "] " + names[k] + " has " + params[k].size() + " elements (shape "
            + params[k].shape() + "); expected " + expected + (perChannel ? " (one per channel)" : " (one per group)"));
      }
    }
    double epsilon = ctx.node().attrFloat("epsilon", 1e-5f);
    double[] sv = scale.toDoubleArray();
    double[] bv = bias.toDoubleArray();
    double[] xv = x.toDoubleArray();
    double[] y = new double[xv.length];
    long perGroup = c / groups;
    int slice = (int) (perGroup * spatial);
    for (long b = 0; b < n; b++) {
      for (long g = 0; g < groups; g++) {
        int base = (int) ((b * c + g * perGroup) * spatial);
        double[] m = NormOps.moments(xv, base, slice);
        double mean = m[0];
        double inv = 1 / Math.sqrt(m[1] + epsilon);
        for (int i = 0; i < slice; i++) {
          int p = (int) (perChannel ? g * perGroup + i / spatial : g);
          y[base + i] = (xv[base + i] - mean) * inv * sv[p] + bv[p];
        }
      }
    }
    return new Tensor[] {Tensor.ofDoubles(x.dtype(), s, y)};
  }
}

package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * The normalisations: LRN ({@link LrnKernel}), LayerNormalization ({@link LayerNormKernel}), InstanceNormalization
 * and GroupNormalization ({@link GroupNormKernel}), and here BatchNormalization, y = (x - mean) / sqrt(var +
 * epsilon) * scale + B, per channel (axis 1).
 *
 * <p>Which statistics, by opset (as the ONNX reference implementation and spec):
 * <ul>
 *   <li>opset 14+: `training_mode` = 1 normalises with the batch mean and biased variance and outputs the
 *       running statistics input * momentum + batch * (1 - momentum) (biased variance, as the node tests'
 *       expected data); outputs 1 and 2 are running_mean and running_var.
 *   <li>opset 7-13: training mode is declared by asking for more than Y (outputs mean, var, saved_mean,
 *       saved_var); opset 6 and older: by `is_test` = 0 (its default).
 *   <li>opset 7-8 `spatial` = 0: the statistics are per activation, shaped [C, D1, ...] like x without N.
 * </ul>
 * Optional outputs are made only when the node names them.
 */
public final class NormOps {
  private NormOps() {}

  public static void register(OpRegistry r) {
    r.register("BatchNormalization", NormOps::batchNorm);
    r.register("LRN", LrnKernel::compute);
    r.register("LayerNormalization", LayerNormKernel::compute);
    r.register("InstanceNormalization", GroupNormKernel::instanceNorm);
    r.register("GroupNormalization", GroupNormKernel::groupNorm);
  }

  /** Input X of a normalization over channels: floating point, at least minRank dimensions ([N, C, ...]). */
  static Tensor channelsInput(OpContext ctx, Tensor[] in, int minRank) {
    Tensor x = ctx.required(in, 0);
    if (x.shape().rank() < minRank) {
      throw ctx.invalid("input[0] X must be at least " + minRank + "-D [N, C, ...], got " + x.shape());
    }
    if (!x.dtype().isFloatingPoint()) {
      throw ctx.invalid("input[0] X must be a floating-point tensor, got " + x.dtype());
    }
    return x;
  }

  /** Mean and biased variance of v[base .. base + n), computed in two passes: {mean, variance}. */
  static double[] moments(double[] v, int base, int n) {
    double mean = 0;
    for (int i = 0; i < n; i++) {
      mean += v[base + i];
    }
    mean /= n;
    double var = 0;
    for (int i = 0; i < n; i++) {
      double d = v[base + i] - mean;
      var += d * d;
    }
    return new double[] {mean, var / n};
  }

  private static Tensor[] batchNorm(OpContext ctx, Tensor[] in) {
    Tensor x = channelsInput(ctx, in, 2);
    Shape s = x.shape();
    var node = ctx.node();
    int opset = ctx.opset();
    long n = s.dim(0);
    long c = s.dim(1);
    long inner = c == 0 ? 0 : s.numElements() / Math.max(n * c, 1);  // elements per (batch, channel)
    boolean perActivation = opset < 9 && node.attrInt("spatial", 1) == 0;
    long statSize = perActivation ? c * inner : c;
    String[] names = {"X", "scale", "B", "input_mean", "input_var"};
    double[][] stats = new double[5][];
    for (int k = 1; k <= 4; k++) {
      Tensor t = ctx.required(in, k);
      if (t.size() != statSize) {
        throw ctx.invalid("input[" + k + "] " + names[k] + " has " + t.size() + " elements (shape " + t.shape()
            + "); expected " + statSize + (perActivation ? " (C x spatial, spatial = 0)" : " (one per channel C)"));
      }
      stats[k] = t.toDoubleArray();
    }
    boolean training;
    if (opset >= 14) {
      training = node.attrInt("training_mode", 0) == 1;
    } else if (opset >= 7) {
      training = ctx.wantsOutput(1) || ctx.wantsOutput(2) || ctx.wantsOutput(3) || ctx.wantsOutput(4);
    } else {
      training = node.attrInt("is_test", 0) == 0;
    }
    double epsilon = node.attrFloat("epsilon", 1e-5f);
    double momentum = node.attrFloat("momentum", 0.9f);
    // Statistic index of element i: channel (i / inner) % c, or (i % (c * inner)) per activation.
    int group = (int) (perActivation ? 1 : inner);
    int period = (int) statSize;
    float[] xv = x.toFloatArray();
    double[] xd = x.dtype() == DType.FLOAT64 ? x.toDoubleArray() : null;
    double[] mean = stats[3];
    double[] var = stats[4];
    if (training) {
      mean = new double[period];
      var = new double[period];
      long[] count = new long[period];
      for (int i = 0; i < xv.length; i++) {
        int k = (i / group) % period;
        mean[k] += value(xv, xd, i);
        count[k]++;
      }
      for (int k = 0; k < period; k++) {
        mean[k] /= count[k];
      }
      for (int i = 0; i < xv.length; i++) {
        int k = (i / group) % period;
        double d = value(xv, xd, i) - mean[k];
        var[k] += d * d;
      }
      for (int k = 0; k < period; k++) {
        var[k] /= count[k];  // biased, as numpy's x.var() in the reference
      }
    }
    double[] mul = new double[period];
    double[] add = new double[period];
    for (int k = 0; k < period; k++) {
      mul[k] = stats[1][k] / Math.sqrt(var[k] + epsilon);
      add[k] = stats[2][k] - mean[k] * mul[k];
    }
    Tensor y = Tensor.allocate(x.dtype(), s);
    if (x.dtype() == DType.FLOAT32) {
      float[] out = new float[xv.length];
      for (int i = 0; i < out.length; i++) {
        int k = (i / group) % period;
        out[i] = (float) (xv[i] * mul[k] + add[k]);
      }
      y.setFloats(out);
    } else {
      for (int i = 0; i < xv.length; i++) {
        int k = (i / group) % period;
        y.setDouble(i, value(xv, xd, i) * mul[k] + add[k]);
      }
    }
    Tensor[] outs = new Tensor[opset >= 14 ? 3 : 5];
    outs[0] = y;
    if (training) {
      if (ctx.wantsOutput(1)) {
        outs[1] = blend(in[3], stats[3], mean, momentum);
      }
      if (ctx.wantsOutput(2)) {
        outs[2] = blend(in[4], stats[4], var, momentum);
      }
      if (outs.length > 3 && ctx.wantsOutput(3)) {
        outs[3] = Tensor.ofDoubles(in[3].dtype(), in[3].shape(), mean);
      }
      if (outs.length > 3 && ctx.wantsOutput(4)) {
        outs[4] = Tensor.ofDoubles(in[4].dtype(), in[4].shape(), var);
      }
    }
    return outs;
  }

  private static double value(float[] xv, double[] xd, int i) {
    return xd != null ? xd[i] : xv[i];
  }

  private static Tensor blend(Tensor like, double[] running, double[] batch, double momentum) {
    double[] v = new double[running.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = running[i] * momentum + batch[i] * (1 - momentum);
    }
    return Tensor.ofDoubles(like.dtype(), like.shape(), v);
  }
}

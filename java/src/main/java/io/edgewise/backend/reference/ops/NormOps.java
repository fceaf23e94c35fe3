package io.edgewise.backend.reference.ops;

import io.edgewise.backend.reference.OpContext;
import io.edgewise.backend.reference.OpRegistry;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * BatchNormalization. Inference mode normalises with the given statistics. Training mode (opset >= 14
 * `training_mode` = 1) normalises with the batch mean and biased variance, and outputs the running statistics
 * running = input * momentum + batch * (1 - momentum), as the ONNX reference implementation does.
 */
public final class NormOps {
  private NormOps() {}

  public static void register(OpRegistry r) {
    r.register("BatchNormalization", NormOps::batchNorm);
  }

  private static Tensor[] batchNorm(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    double[] scale = ctx.required(in, 1).toDoubleArray();
    double[] bias = ctx.required(in, 2).toDoubleArray();
    double[] mean = ctx.required(in, 3).toDoubleArray();
    double[] var = ctx.required(in, 4).toDoubleArray();
    Shape s = x.shape();
    if (s.rank() < 2) {
      throw ctx.invalid("input X must be at least 2-D [N, C, ...], got " + s);
    }
    int c = s.dimInt(1);
    for (int k = 1; k <= 4; k++) {
      if (in[k].size() != c) {
        throw ctx.invalid("input[" + k + "] has " + in[k].size() + " elements for " + c + " channels");
      }
    }
    double epsilon = ctx.node().attrFloat("epsilon", 1e-5f);
    double momentum = ctx.node().attrFloat("momentum", 0.9f);
    boolean training = ctx.opset() >= 14 && ctx.node().attrInt("training_mode", 0) == 1;
    long n = s.dim(0);
    int spatial = (int) (s.numElements() / Math.max(n * c, 1));
    double[] xv = x.toDoubleArray();
    double[] useMean = mean;
    double[] useVar = var;
    if (training) {
      useMean = new double[c];
      useVar = new double[c];
      double count = (double) n * spatial;
      for (int ch = 0; ch < c; ch++) {
        double sum = 0;
        for (int b = 0; b < n; b++) {
          for (int p = 0; p < spatial; p++) {
            sum += xv[(b * c + ch) * spatial + p];
          }
        }
        useMean[ch] = sum / count;
        double sq = 0;
        for (int b = 0; b < n; b++) {
          for (int p = 0; p < spatial; p++) {
            double d = xv[(b * c + ch) * spatial + p] - useMean[ch];
            sq += d * d;
          }
        }
        useVar[ch] = sq / count;
      }
    }
    Tensor y = Tensor.allocate(x.dtype(), s);
    for (int i = 0; i < xv.length; i++) {
      int ch = (i / spatial) % c;
      y.setDouble(i, (xv[i] - useMean[ch]) / Math.sqrt(useVar[ch] + epsilon) * scale[ch] + bias[ch]);
    }
    Tensor runningMean = null;
    Tensor runningVar = null;
    if (training && ctx.wantsOutput(1)) {
      runningMean = blend(in[3], mean, useMean, momentum);
    }
    if (training && ctx.wantsOutput(2)) {
      runningVar = blend(in[4], var, useVar, momentum);
    }
    return new Tensor[] {y, runningMean, runningVar};
  }

  private static Tensor blend(Tensor like, double[] running, double[] batch, double momentum) {
    Tensor t = Tensor.allocate(like.dtype(), like.shape());
    for (int i = 0; i < running.length; i++) {
      t.setDouble(i, running[i] * momentum + batch[i] * (1 - momentum));
    }
    return t;
  }
}

package io.edgewise.train.ops;

import io.edgewise.train.HeapTensor;

/**
 * BatchNormalization (inputs X, scale, B, mean, var). In training mode it normalizes with the batch's statistics and
 * updates the running ones as ONNX defines it (running = running * momentum + batch * (1 - momentum), the batch
 * variance being the population variance); otherwise it uses the running statistics, as inference does. Backward
 * differentiates whichever was used: in training mode through the batch mean and variance too.
 */
final class BatchNormGradient implements OpGradient {
  private record Saved(double[] mean, double[] invStd, boolean batchStats) {}

  @Override
  public Forward forward(OpCall call, HeapTensor[] in) {
    HeapTensor x = in[0];
    int n = x.dim(0);
    int c = x.dim(1);
    int plane = x.size() / Math.max(1, n * c);
    double eps = call.node().attrFloat("epsilon", 1e-5f);
    float momentum = call.node().attrFloat("momentum", 0.9f);
    for (int i = 1; i <= 4; i++) {
      if (in[i] == null || in[i].size() != c) {
        throw call.invalid("input " + i + " must hold " + c + " values (one per channel of " + x.describe() + ")");
      }
    }
    float[] scale = in[1].data();
    float[] bias = in[2].data();
    float[] runMean = in[3].data();
    float[] runVar = in[4].data();
    double[] mean = new double[c];
    double[] invStd = new double[c];
    float[] xd = x.data();
    for (int ch = 0; ch < c; ch++) {
      if (call.training()) {
        double s = 0;
        double sq = 0;
        for (int b = 0; b < n; b++) {
          int base = (b * c + ch) * plane;
          for (int i = 0; i < plane; i++) {
            s += xd[base + i];
          }
        }
        double count = (double) n * plane;
        mean[ch] = s / count;
        for (int b = 0; b < n; b++) {
          int base = (b * c + ch) * plane;
          for (int i = 0; i < plane; i++) {
            double d = xd[base + i] - mean[ch];
            sq += d * d;
          }
        }
        double var = sq / count;
        invStd[ch] = 1 / Math.sqrt(var + eps);
        if (call.updateRunningStats()) {
          runMean[ch] = (float) (runMean[ch] * momentum + mean[ch] * (1 - momentum));
          runVar[ch] = (float) (runVar[ch] * momentum + var * (1 - momentum));
        }
      } else {
        mean[ch] = runMean[ch];
        invStd[ch] = 1 / Math.sqrt(runVar[ch] + eps);
      }
    }
    HeapTensor y = HeapTensor.zeros(x.shape());
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        int base = (b * c + ch) * plane;
        double a = scale[ch] * invStd[ch];
        for (int i = 0; i < plane; i++) {
          y.data()[base + i] = (float) ((xd[base + i] - mean[ch]) * a + bias[ch]);
        }
      }
    }
    return new Forward(new HeapTensor[] {y}, new Saved(mean, invStd, call.training()));
  }

  @Override
  public HeapTensor[] backward(OpCall call, HeapTensor[] in, Forward fwd, HeapTensor[] dOut, boolean[] wanted) {
    Saved s = (Saved) fwd.saved();
    HeapTensor x = in[0];
    int n = x.dim(0);
    int c = x.dim(1);
    int plane = x.size() / Math.max(1, n * c);
    double count = (double) n * plane;
    float[] xd = x.data();
    float[] dy = dOut[0].data();
    float[] scale = in[1].data();
    HeapTensor dx = wanted[0] ? HeapTensor.zeros(x.shape()) : null;
    HeapTensor dScale = wanted[1] ? HeapTensor.zeros(in[1].shape()) : null;
    HeapTensor dBias = wanted[2] ? HeapTensor.zeros(in[2].shape()) : null;
    for (int ch = 0; ch < c; ch++) {
      double sumDy = 0;
      double sumDyXhat = 0;
      for (int b = 0; b < n; b++) {
        int base = (b * c + ch) * plane;
        for (int i = 0; i < plane; i++) {
          double xhat = (xd[base + i] - s.mean()[ch]) * s.invStd()[ch];
          sumDy += dy[base + i];
          sumDyXhat += dy[base + i] * xhat;
        }
      }
      if (dScale != null) {
        dScale.data()[ch] = (float) sumDyXhat;
      }
      if (dBias != null) {
        dBias.data()[ch] = (float) sumDy;
      }
      if (dx == null) {
        continue;
      }
      double a = scale[ch] * s.invStd()[ch];
      for (int b = 0; b < n; b++) {
        int base = (b * c + ch) * plane;
        for (int i = 0; i < plane; i++) {
          double g = dy[base + i];
          if (s.batchStats()) {
            // d/dx of (x - mean_B) / std_B: the batch mean and variance depend on x as well
            double xhat = (xd[base + i] - s.mean()[ch]) * s.invStd()[ch];
            g = g - sumDy / count - xhat * sumDyXhat / count;
          }
          dx.data()[base + i] = (float) (a * g);
        }
      }
    }
    return new HeapTensor[] {dx, dScale, dBias, null, null};
  }
}

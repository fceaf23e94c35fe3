package io.edgewise.train;

import io.edgewise.EdgewiseException;

/** A training loss over a batch: its mean value and the gradient of that mean with respect to the predictions. */
public interface Loss {
  /** The batch-mean loss; writes d(loss)/d(prediction) into gradient (same shape as prediction). */
  double evaluate(HeapTensor prediction, HeapTensor gradient);

  /** Softmax cross-entropy against integer class labels, for logits [batch, classes]. */
  static Loss softmaxCrossEntropy(int[] labels) {
    return (logits, grad) -> {
      int b = logits.dim(0);
      int k = logits.size() / Math.max(1, b);
      if (labels.length != b) {
        throw EdgewiseException.invalidArgument(labels.length + " labels for a batch of " + b);
      }
      double total = 0;
      for (int i = 0; i < b; i++) {
        if (labels[i] < 0 || labels[i] >= k) {
          throw EdgewiseException.invalidArgument("label " + labels[i] + " of sample " + i + " is outside the "
              + k + " classes of the model's output");
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
          max = Math.max(max, logits.data()[i * k + j]);
        }
        double z = 0;
        for (int j = 0; j < k; j++) {
          z += Math.exp(logits.data()[i * k + j] - max);
        }
        double logZ = max + Math.log(z);
        total += logZ - logits.data()[i * k + labels[i]];
        for (int j = 0; j < k; j++) {
          double p = Math.exp(logits.data()[i * k + j] - logZ);
          grad.data()[i * k + j] = (float) ((p - (j == labels[i] ? 1 : 0)) / b);
        }
      }
      return total / b;
    };
  }

  /** Mean squared error against targets of the prediction's shape: mean over every element of (y - t)^2. */
  static Loss meanSquaredError(float[] targets) {
    return (y, grad) -> {
      if (targets.length != y.size()) {
        throw EdgewiseException.invalidArgument(targets.length + " targets for a prediction of " + y.describe());
      }
      double total = 0;
      for (int i = 0; i < targets.length; i++) {
        double d = (double) y.data()[i] - targets[i];
        total += d * d;
        grad.data()[i] = (float) (2 * d / targets.length);
      }
      return total / targets.length;
    };
  }
}

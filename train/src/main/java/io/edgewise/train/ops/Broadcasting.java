package io.edgewise.train.ops;

import io.edgewise.backend.reference.Broadcast;
import io.edgewise.tensor.Shape;
import io.edgewise.train.HeapTensor;

/** Broadcasting for training, on the reference backend's rules: expand forward, sum the gradient back. */
final class Broadcasting {
  private Broadcasting() {}

  static Shape shape(int[] dims) {
    return Shape.of(dims);
  }

  /** The result shape of a and b broadcast together. */
  static int[] result(int[] a, int[] b) {
    return Broadcast.shape(shape(a), shape(b)).intDims();
  }

  /** For each element of out, the element of in it reads (null when the shapes are equal). */
  static int[] sources(int[] in, int[] out) {
    return java.util.Arrays.equals(in, out) ? null : Broadcast.sourceIndex(shape(in), shape(out));
  }

  /** The gradient of an input of shape {@code in} that was broadcast to dOut's shape: dOut summed back, scaled. */
  static HeapTensor reduce(HeapTensor dOut, int[] in, double scale) {
    int[] src = sources(in, dOut.shape());
    HeapTensor g = HeapTensor.zeros(in);
    float[] d = dOut.data();
    if (src == null) {
      for (int i = 0; i < d.length; i++) {
        g.data()[i] = (float) (scale * d[i]);
      }
      return g;
    }
    double[] acc = new double[g.size()];
    for (int i = 0; i < d.length; i++) {
      acc[src[i]] += d[i];
    }
    for (int i = 0; i < acc.length; i++) {
      g.data()[i] = (float) (scale * acc[i]);
    }
    return g;
  }
}

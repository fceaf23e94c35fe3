package io.edgewise.train.ops;

import io.edgewise.train.HeapTensor;

/** GlobalAveragePool: the mean of each plane; its gradient spreads dy evenly over the plane. */
final class GlobalAveragePoolGradient implements OpGradient {
  @Override
  public Forward forward(OpCall call, HeapTensor[] in) {
    HeapTensor x = in[0];
    if (x.rank() < 3) {
      throw call.invalid("input " + x.describe() + " has no spatial axes");
    }
    int planes = x.dim(0) * x.dim(1);
    int size = x.size() / Math.max(1, planes);
    int[] shape = x.shape().clone();
    for (int i = 2; i < shape.length; i++) {
      shape[i] = 1;
    }
    HeapTensor y = HeapTensor.zeros(shape);
    for (int p = 0; p < planes; p++) {
      double s = 0;
      for (int i = 0; i < size; i++) {
        s += x.data()[p * size + i];
      }
      y.data()[p] = (float) (s / size);
    }
    return Forward.of(y);
  }

  @Override
  public HeapTensor[] backward(OpCall call, HeapTensor[] in, Forward fwd, HeapTensor[] dOut, boolean[] wanted) {
    if (!wanted[0]) {
      return new HeapTensor[1];
    }
    HeapTensor x = in[0];
    int planes = x.dim(0) * x.dim(1);
    int size = x.size() / Math.max(1, planes);
    HeapTensor dx = HeapTensor.zeros(x.shape());
    for (int p = 0; p < planes; p++) {
      float share = dOut[0].data()[p] / size;
      java.util.Arrays.fill(dx.data(), p * size, (p + 1) * size, share);
    }
    return new HeapTensor[] {dx};
  }
}

package io.edgewise.train.ops;

import io.edgewise.train.HeapTensor;

/** Add with broadcasting (residual connections, bias adds): each input's gradient is dy summed to its shape. */
final class AddGradient implements OpGradient {
  @Override
  public Forward forward(OpCall call, HeapTensor[] in) {
    int[] shape = Broadcasting.result(in[0].shape(), in[1].shape());
    int[] sa = Broadcasting.sources(in[0].shape(), shape);
    int[] sb = Broadcasting.sources(in[1].shape(), shape);
    HeapTensor y = HeapTensor.zeros(shape);
    float[] a = in[0].data();
    float[] b = in[1].data();
    for (int i = 0; i < y.size(); i++) {
      y.data()[i] = a[sa == null ? i : sa[i]] + b[sb == null ? i : sb[i]];
    }
    return Forward.of(y);
  }

  @Override
  public HeapTensor[] backward(OpCall call, HeapTensor[] in, Forward fwd, HeapTensor[] dOut, boolean[] wanted) {
    return new HeapTensor[] {wanted[0] ? Broadcasting.reduce(dOut[0], in[0].shape(), 1) : null,
        wanted[1] ? Broadcasting.reduce(dOut[0], in[1].shape(), 1) : null};
  }
}

package io.edgewise.train.ops;

import io.edgewise.train.HeapTensor;

/** Concat along one axis; each input's gradient is its slab of dy. */
final class ConcatGradient implements OpGradient {
  private static int axis(OpCall call, HeapTensor first) {
    long axis = call.node().attrInt("axis", Long.MIN_VALUE);
    if (axis == Long.MIN_VALUE || axis < -first.rank() || axis >= first.rank()) {
      throw call.invalid("axis must be in [" + -first.rank() + ", " + first.rank() + ")");
    }
    return (int) (axis < 0 ? axis + first.rank() : axis);
  }

  @Override
  public Forward forward(OpCall call, HeapTensor[] in) {
    int axis = axis(call, in[0]);
    int[] shape = in[0].shape().clone();
    shape[axis] = 0;
    for (HeapTensor t : in) {
      for (int d = 0; d < shape.length; d++) {
        if (t.rank() != shape.length || d != axis && t.dim(d) != in[0].dim(d)) {
          throw call.invalid("inputs " + in[0].describe() + " and " + t.describe() + " differ off axis " + axis);
        }
      }
      shape[axis] += t.dim(axis);
    }
    HeapTensor y = HeapTensor.zeros(shape);
    int outer = outer(shape, axis);
    int yBlock = y.size() / Math.max(1, outer);
    int offset = 0;
    for (HeapTensor t : in) {
      int block = t.size() / Math.max(1, outer);
      for (int o = 0; o < outer; o++) {
        System.arraycopy(t.data(), o * block, y.data(), o * yBlock + offset, block);
      }
      offset += block;
    }
    return Forward.of(y);
  }

  @Override
  public HeapTensor[] backward(OpCall call, HeapTensor[] in, Forward fwd, HeapTensor[] dOut, boolean[] wanted) {
    HeapTensor dy = dOut[0];
    int axis = axis(call, in[0]);
    int outer = outer(dy.shape(), axis);
    int yBlock = dy.size() / Math.max(1, outer);
    HeapTensor[] grads = new HeapTensor[in.length];
    int offset = 0;
    for (int i = 0; i < in.length; i++) {
      int block = in[i].size() / Math.max(1, outer);
      if (wanted[i]) {
        grads[i] = HeapTensor.zeros(in[i].shape());
        for (int o = 0; o < outer; o++) {
          System.arraycopy(dy.data(), o * yBlock + offset, grads[i].data(), o * block, block);
        }
      }
      offset += block;
    }
    return grads;
  }

  private static int outer(int[] shape, int axis) {
    int n = 1;
    for (int d = 0; d < axis; d++) {
      n *= shape[d];
    }
    return n;
  }
}

package io.edgewise.backend.reference.ops;

import io.edgewise.backend.reference.OpContext;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.ByteBuffer;

/** Dtype-agnostic helpers for data-movement ops: they move raw element bytes, so every dtype stays exact. */
final class ShapeKernels {
  private ShapeKernels() {}

  /** out[i] = src[index[i]] for every element, byte-exact. */
  static Tensor gather(Tensor src, Shape outShape, int[] index) {
    Tensor out = Tensor.allocate(src.dtype(), outShape);
    int size = src.dtype().byteSize();
    ByteBuffer from = src.buffer();
    ByteBuffer to = out.buffer();
    for (int i = 0; i < index.length; i++) {
      for (int b = 0; b < size; b++) {
        to.put(i * size + b, from.get(index[i] * size + b));
      }
    }
    return out;
  }

  /** Normalizes a possibly negative axis for the given rank, naming the attribute on error. */
  static int axis(OpContext ctx, long axis, int rank, String what) {
    if (axis < -rank || axis >= rank) {
      throw ctx.invalid(what + " = " + axis + " is out of range for rank " + rank);
    }
    return (int) (axis < 0 ? axis + rank : axis);
  }

  /** The values of an integer tensor input (shapes, axes, indices). */
  static long[] longs(OpContext ctx, Tensor t, String what) {
    if (t.dtype() != DType.INT64 && t.dtype() != DType.INT32) {
      throw ctx.invalid(what + " must be int64 or int32, got " + t.dtype());
    }
    return t.toLongArray();
  }

  static Tensor int64Vector(long... values) {
    return Tensor.ofLongs(DType.INT64, Shape.of(values.length), values);
  }

  /** Row-major flat index of a multi-index. */
  static int flat(long[] idx, long[] strides) {
    long f = 0;
    for (int i = 0; i < idx.length; i++) {
      f += idx[i] * strides[i];
    }
    return (int) f;
  }

  /** Advances a row-major multi-index over dims; returns false after the last one. */
  static boolean next(long[] idx, long[] dims) {
    for (int d = dims.length - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) {
        return true;
      }
      idx[d] = 0;
    }
    return false;
  }
}

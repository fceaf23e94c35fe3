package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
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
      copyElement(from, (long) index[i] * size, to, (long) i * size, size);
    }
    return out;
  }

  /** Each view of src copied out (Split's parts). */
  static Tensor[] strided(Tensor src, StridedView[] views) {
    Tensor[] out = new Tensor[views.length];
    for (int i = 0; i < views.length; i++) {
      out[i] = strided(src, views[i]);
    }
    return out;
  }

  /**
   * A strided view of src copied out: output element [i0, ..., ik] is src's element at offset + sum(i_d *
   * strides[d]) (Transpose: strides permuted; Slice: scaled by the steps, offset at the starts). Row by row along
   * the last output axis, with no index array: a per-element index table and byte-by-byte copies made ShuffleNet's
   * channel shuffle 1.45 ms for 91k floats.
   */
  static Tensor strided(Tensor src, StridedView view) {
    Shape outShape = view.shape();
    long[] srcStrides = view.strides();
    Tensor out = Tensor.allocate(src.dtype(), outShape);
    long total = outShape.numElements();
    if (total == 0) {
      return out;
    }
    int rank = outShape.rank();
    long[] dims = outShape.dims();
    long inner = rank == 0 ? 1 : dims[rank - 1];
    long innerStride = rank == 0 ? 0 : srcStrides[rank - 1];
    int size = src.dtype().byteSize();
    ByteBuffer from = src.buffer();
    ByteBuffer to = out.buffer();
    long[] idx = new long[Math.max(rank - 1, 0)];
    long base = view.offset();
    long o = 0;
    for (long row = 0; row < total / inner; row++) {
      for (long k = 0; k < inner; k++, o++) {
        copyElement(from, (base + k * innerStride) * size, to, o * size, size);
      }
      for (int d = rank - 2; d >= 0; d--) {  // next row: advance the outer index, carrying
        base += srcStrides[d];
        if (++idx[d] < dims[d]) {
          break;
        }
        base -= srcStrides[d] * dims[d];
        idx[d] = 0;
      }
    }
    return out;
  }

  /** One element of `size` bytes (both buffers little-endian, so words copy bit for bit). */
  private static void copyElement(ByteBuffer from, long at, ByteBuffer to, long into, int size) {
    int src = (int) at;
    int dst = (int) into;
    switch (size) {
      case 4 -> to.putInt(dst, from.getInt(src));
      case 8 -> to.putLong(dst, from.getLong(src));
      case 2 -> to.putShort(dst, from.getShort(src));
      case 1 -> to.put(dst, from.get(src));
      default -> {
        for (int b = 0; b < size; b++) {
          to.put(dst + b, from.get(src + b));
        }
      }
    }
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

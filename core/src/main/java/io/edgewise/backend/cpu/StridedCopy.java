package io.edgewise.backend.cpu;

import io.edgewise.backend.reference.ops.StridedView;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Arrays;

/**
 * Copies strided views of 4-byte tensors out on the native core (Transpose, Slice, Split on the cpu device). Axes
 * that are contiguous in the source are merged first, so a channel slice of NCHW copies whole planes, not rows.
 * Concat is the same copy the other way round: each input fills a strided run of the output's rows.
 */
final class StridedCopy {
  private StridedCopy() {}

  static Tensor copy(Tensor x, StridedView v) {
    Tensor y = Tensor.allocateUninitialized(x.dtype(), v.shape());
    if (y.size() == 0) {
      return y;
    }
    long[] dims = v.shape().dims();
    long[] strides = v.strides().clone();
    int rank = 0;
    for (int d = 0; d < dims.length; d++) {
      if (dims[d] == 1) {
        continue;  // a unit axis moves nothing, whatever its stride
      }
      if (rank > 0 && strides[rank - 1] == strides[d] * dims[d]) {
        dims[rank - 1] *= dims[d];  // contiguous with the axis before it: one longer axis
        strides[rank - 1] = strides[d];
      } else {
        dims[rank] = dims[d];
        strides[rank] = strides[d];
        rank++;
      }
    }
    if (rank == 0) {
      dims[0] = 1;
      strides[0] = 0;
      rank = 1;
    }
    NativeExtents.stridedCopy(x, v.offset(), dims, strides, rank, y);
    NativeCore.stridedCopy32(Arrays.copyOf(dims, rank), Arrays.copyOf(strides, rank),
        x.nativeAddress() + v.offset() * 4, y.nativeAddress());
    return y;
  }

  static Tensor[] copy(Tensor x, StridedView[] views) {
    Tensor[] out = new Tensor[views.length];
    for (int i = 0; i < views.length; i++) {
      out[i] = copy(x, views[i]);
    }
    return out;
  }

  /**
   * Concat along {@code axis} of inputs of one dtype whose size is a multiple of 4 bytes (8-byte shape vectors as
   * word pairs), or null when they do not fit (different dtypes, ranks or extents off the axis): the caller hands
   * those to the reference kernel, which names the mismatch.
   */
  static Tensor concat(Tensor[] in, long axisAttr) {
    Tensor first = in[0];
    int rank = first.shape().rank();
    int bytes = first.dtype().byteSize();
    long axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
    if (bytes % 4 != 0 || rank == 0 || axis < 0 || axis >= rank) {
      return null;
    }
    long[] dims = first.shape().dims();
    long total = 0;
    for (Tensor t : in) {
      if (t == null || t.dtype() != first.dtype() || t.shape().rank() != rank) {
        return null;
      }
      for (int d = 0; d < rank; d++) {
        if (d != axis && t.shape().dim(d) != dims[d]) {
          return null;
        }
      }
      total += t.shape().dim((int) axis);
    }
    dims[(int) axis] = total;
    long outer = 1;
    for (int d = 0; d < axis; d++) {
      outer *= dims[d];
    }
    Tensor y = Tensor.allocateUninitialized(first.dtype(), Shape.of(dims));
    if (y.size() == 0) {
      return y;
    }
    long[] addresses = new long[in.length];
    long[] widths = new long[in.length];
    long[] held = new long[in.length];
    for (int i = 0; i < in.length; i++) {
      long words = in[i].size() * (bytes / 4);
      widths[i] = words / outer;
      held[i] = in[i].byteSize() / 4;
      addresses[i] = words == 0 ? 0 : in[i].nativeAddress();
    }
    try {
      NativeCore.concat32("Concat", outer, addresses, widths, held, y.nativeAddress(), y.byteSize() / 4);
    } catch (RuntimeException e) {
      y.close();
      throw e;
    }
    return y;
  }
}

package io.edgewise.backend.cpu;

import io.edgewise.backend.reference.ops.StridedView;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.Tensor;
import java.util.Arrays;

/**
 * Copies strided views of 4-byte tensors out on the native core (Transpose, Slice, Split on the cpu device). Axes
 * that are contiguous in the source are merged first, so a channel slice of NCHW copies whole planes, not rows.
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
}

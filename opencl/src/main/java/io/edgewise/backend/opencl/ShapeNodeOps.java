package io.edgewise.backend.opencl;

import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Map;

/**
 * Ops that move data without arithmetic: Identity, Dropout (inference), Flatten and Reshape alias the input's
 * buffer under a new shape (no copy); Concat copies blocks; Transpose (up to 4 dims) is a layout transform.
 */
final class ShapeNodeOps {
  private ShapeNodeOps() {}

  /** copy_blocks (ops.cl): work-items (i < inner, o) read src[o * inner + i], write dst[o * dstStride + offset + i]. */
  static final ClFootprint COPY_BLOCKS = ClFootprint.of("in src, out dst, inner, dstStride, dstOffset", (g, a, e) -> {
    long inner = ClFootprint.i(a, 2);
    long i = Math.min(inner, g[0]) - 1;
    if (i >= 0) {
      e[0] = (g[1] - 1) * inner + i + 1;
      e[1] = (g[1] - 1) * ClFootprint.i(a, 3) + ClFootprint.i(a, 4) + i + 1;
    }
  });

  /** permute4 (ops.cl): work-items i < total write y[i] and read x at i's digits over (d1, d2, d3) times s0..s3. */
  static final ClFootprint PERMUTE4 = ClFootprint.of("in x, out y, d1, d2, d3, s0, s1, s2, s3, total", (g, a, e) -> {
    long n = Math.min(g[0], ClFootprint.i(a, 9));
    if (n > 0) {
      e[0] = ClFootprint.maxOverDigits(n - 1, new long[] {1, ClFootprint.i(a, 2), ClFootprint.i(a, 3),
          ClFootprint.i(a, 4)}, new long[] {ClFootprint.i(a, 5), ClFootprint.i(a, 6), ClFootprint.i(a, 7),
          ClFootprint.i(a, 8)}) + 1;
      e[1] = n;
    }
  });

  static boolean handles(String op) {
    return switch (op) {
      case "Identity", "Dropout", "Flatten", "Reshape", "Concat", "Transpose" -> true;
      default -> false;
    };
  }

  static ClNodeOp of(String op) {
    return switch (op) {
      case "Identity" -> a -> a.dtype(0) == DType.FLOAT32 ? new DeviceTensor[] {a.device(0).retain()} : null;
      case "Dropout" -> a -> a.dtype(0) == DType.FLOAT32 && !a.node().hasOutput(1) && !a.present(2)
          ? new DeviceTensor[] {a.device(0).retain()} : null;
      case "Flatten" -> ShapeNodeOps::flatten;
      case "Reshape" -> ShapeNodeOps::reshape;
      case "Concat" -> ShapeNodeOps::concat;
      case "Transpose" -> ShapeNodeOps::transpose;
      default -> throw new IllegalArgumentException(op);
    };
  }

  private static DeviceTensor[] flatten(NodeArgs a) {
    Shape s = a.shape(0);
    long axis = a.node().attrInt("axis", 1);
    if (axis < 0) {
      axis += s.rank();
    }
    if (a.dtype(0) != DType.FLOAT32 || axis < 0 || axis > s.rank()) {
      return null;
    }
    long outer = 1;
    for (int i = 0; i < axis; i++) {
      outer *= s.dim(i);
    }
    long inner = outer == 0 ? 0 : s.numElements() / Math.max(1, outer);
    if (outer == 0) {
      inner = 1;
      for (int i = (int) axis; i < s.rank(); i++) {
        inner *= s.dim(i);
      }
    }
    return new DeviceTensor[] {a.device(0).alias(Shape.of(outer, inner))};
  }

  private static DeviceTensor[] reshape(NodeArgs a) {
    Tensor shape = a.constant(1);
    if (a.dtype(0) != DType.FLOAT32 || shape == null || a.opset() < 5) {
      return null;
    }
    Shape in = a.shape(0);
    long[] target = shape.toLongArray();
    boolean allowZero = a.node().attrInt("allowzero", 0) == 1;
    long known = 1;
    int infer = -1;
    for (int i = 0; i < target.length; i++) {
      if (target[i] == 0 && !allowZero) {
        if (i >= in.rank()) {
          return null;
        }
        target[i] = in.dim(i);
      }
      if (target[i] == -1) {
        if (infer >= 0) {
          return null;
        }
        infer = i;
      } else if (target[i] < 0) {
        return null;
      } else {
        known *= target[i];
      }
    }
    if (infer >= 0) {
      if (known == 0 || in.numElements() % known != 0) {
        return null;
      }
      target[infer] = in.numElements() / known;
    }
    Shape out = Shape.of(target);
    return out.numElements() == in.numElements() ? new DeviceTensor[] {a.device(0).alias(out)} : null;
  }

  private static DeviceTensor[] concat(NodeArgs a) {
    int count = a.node().inputs().size();
    Shape first = a.shape(0);
    int rank = first.rank();
    long axis = a.node().attrInt("axis", 0);
    if (axis < 0) {
      axis += rank;
    }
    if (axis < 0 || axis >= rank) {
      return null;
    }
    long[] out = first.dims();
    out[(int) axis] = 0;
    for (int i = 0; i < count; i++) {
      Shape s = a.shape(i);
      if (a.dtype(i) != DType.FLOAT32 || s.rank() != rank) {
        return null;
      }
      for (int d = 0; d < rank; d++) {
        if (d != axis && s.dim(d) != first.dim(d)) {
          return null;
        }
      }
      out[(int) axis] += s.dim((int) axis);
    }
    Shape os = Shape.of(out);
    if (os.numElements() > Integer.MAX_VALUE) {
      return null;
    }
    long outer = 1;
    for (int d = 0; d < axis; d++) {
      outer *= out[d];
    }
    long outInner = outer == 0 ? 0 : os.numElements() / outer;
    DeviceTensor y = a.allocate(os);
    ClKernel copy = a.programs().kernel("ops.cl", "copy_blocks", Map.of());
    long offset = 0;
    for (int i = 0; i < count; i++) {
      long inner = outer == 0 ? 0 : a.shape(i).numElements() / outer;
      if (inner > 0) {
        long ns = a.programs().context().launch(copy, COPY_BLOCKS, a.node(), new long[] {inner, outer}, null,
            a.profile(), a.device(i).buffer(), y.buffer(), (int) inner, (int) outInner, (int) offset);
        PoolNodeOp.record(a, ns);
      }
      offset += inner;
    }
    return new DeviceTensor[] {y};
  }

  private static DeviceTensor[] transpose(NodeArgs a) {
    Shape s = a.shape(0);
    int r = s.rank();
    if (a.dtype(0) != DType.FLOAT32 || r == 0 || r > 4 || s.numElements() == 0
        || s.numElements() > Integer.MAX_VALUE) {
      return null;
    }
    long[] perm = a.node().attrInts("perm", null);
    if (perm == null) {
      perm = new long[r];
      for (int i = 0; i < r; i++) {
        perm[i] = r - 1 - i;
      }
    }
    if (perm.length != r) {
      return null;
    }
    long[] src = s.strides();
    long[] out = new long[r];
    int[] dims = {1, 1, 1, 1};
    int[] strides = {0, 0, 0, 0};
    boolean[] seen = new boolean[r];
    for (int i = 0; i < r; i++) {
      int p = (int) perm[i];
      if (p < 0 || p >= r || seen[p]) {
        return null;
      }
      seen[p] = true;
      out[i] = s.dim(p);
      dims[4 - r + i] = (int) s.dim(p);
      strides[4 - r + i] = (int) src[p];
    }
    DeviceTensor y = a.allocate(Shape.of(out));
    int total = (int) s.numElements();
    long ns = a.programs().context().launch(a.programs().kernel("ops.cl", "permute4", Map.of()), PERMUTE4,
        a.node(), new long[] {total}, null, a.profile(), a.device(0).buffer(), y.buffer(), dims[1], dims[2], dims[3],
        strides[0], strides[1], strides[2], strides[3], total);
    PoolNodeOp.record(a, ns);
    return new DeviceTensor[] {y};
  }
}

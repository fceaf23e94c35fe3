package io.edgewise.backend.reference.ops;

import io.edgewise.backend.reference.Broadcast;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Ops that only move or re-label data: shapes, transposes, concatenation, gathers, slices, identity. */
public final class ShapeOps {
  private ShapeOps() {}

  public static void register(OpRegistry r) {
    r.register("Identity", (ctx, in) -> new Tensor[] {ctx.required(in, 0).copy()});
    // the oracle copies; the cpu device takes zero-copy views of the same shapes (CpuKernels)
    r.register("Reshape", (ctx, in) -> new Tensor[] {ctx.required(in, 0).withShape(reshaped(ctx, in))});
    r.register("Flatten", (ctx, in) -> new Tensor[] {ctx.required(in, 0).withShape(flattened(ctx, in))});
    r.register("Squeeze", (ctx, in) -> new Tensor[] {ctx.required(in, 0).withShape(squeezed(ctx, in))});
    r.register("Unsqueeze", (ctx, in) -> new Tensor[] {ctx.required(in, 0).withShape(unsqueezed(ctx, in))});
    r.register("Transpose", ShapeOps::transpose);
    r.register("Concat", ShapeOps::concat);
    r.register("Shape", ShapeOps::shape);
    r.register("Size", (ctx, in) -> new Tensor[] {Tensor.scalarLong(ctx.required(in, 0).size())});
    r.register("Gather", ShapeOps::gather);
    r.register("Expand", ShapeOps::expand);
    r.register("Tile", ShapeOps::tile);
    r.register("Split", (ctx, in) -> ShapeKernels.strided(ctx.required(in, 0), SplitKernel.views(ctx, in)));
    r.register("Slice", (ctx, in) -> new Tensor[] {ShapeKernels.strided(ctx.required(in, 0),
        SliceKernel.view(ctx, in))});
    r.register("Cast", CastKernels::cast);
    r.register("CastLike", CastKernels::castLike);
    r.register("Constant", CastKernels::constant);
    r.register("ConstantOfShape", CastKernels::constantOfShape);
    r.register("Range", CastKernels::range);
    r.register("Dropout", DropoutKernel::compute);
  }

  /** A Reshape node's output shape for its inputs (checked: same element count, at most one -1, ...). */
  public static Shape reshaped(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    long[] target;
    if (ctx.opset() < 5) {
      target = ctx.node().attrInts("shape", new long[0]);
    } else {
      target = ShapeKernels.longs(ctx, ctx.required(in, 1), "input[1] shape");
    }
    boolean allowZero = ctx.opset() >= 14 && ctx.node().attrInt("allowzero", 0) == 1;
    long[] out = target.clone();
    if (allowZero && Arrays.stream(target).anyMatch(d -> d == 0) && Arrays.stream(target).anyMatch(d -> d == -1)) {
      throw ctx.invalid("shape " + Arrays.toString(target) + " has both 0 and -1, which allowzero=1 forbids");
    }
    int inferred = -1;
    long known = 1;
    for (int i = 0; i < out.length; i++) {
      if (out[i] == -1) {
        if (inferred >= 0) {
          throw ctx.invalid("shape " + Arrays.toString(target) + " has more than one -1");
        }
        inferred = i;
        continue;
      }
      if (out[i] == 0 && !allowZero) {
        if (i >= x.shape().rank()) {
          throw ctx.invalid("shape[" + i + "] = 0 copies a dimension the input " + x.shape() + " does not have");
        }
        out[i] = x.shape().dim(i);
      }
      if (out[i] < 0) {
        throw ctx.invalid("shape[" + i + "] = " + out[i] + " is negative");
      }
      known *= out[i];
    }
    if (inferred >= 0) {
      if (known == 0 || x.size() % known != 0) {
        throw ctx.invalid("cannot infer -1 in shape " + Arrays.toString(target) + " for input " + x.shape());
      }
      out[inferred] = x.size() / known;
    }
    Shape s = Shape.of(out);
    if (s.numElements() != x.size()) {
      throw ctx.invalid("cannot reshape " + x.shape() + " (" + x.size() + " elements) to " + s);
    }
    return s;
  }

  /** A Flatten node's output shape, [outer, inner] around its axis. */
  public static Shape flattened(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    int rank = x.shape().rank();
    long a = ctx.node().attrInt("axis", 1);
    if (a < -rank || a > rank) {
      throw ctx.invalid("attribute axis = " + a + " is out of range for rank " + rank);
    }
    int axis = (int) (a < 0 ? a + rank : a);
    long outer = 1;
    long inner = 1;
    for (int i = 0; i < rank; i++) {
      if (i < axis) {
        outer *= x.shape().dim(i);
      } else {
        inner *= x.shape().dim(i);
      }
    }
    return Shape.of(outer, inner);
  }

  private static long[] axesArgument(OpContext ctx, Tensor[] in, int sinceOpset) {
    if (ctx.opset() >= sinceOpset) {
      return in.length > 1 && in[1] != null ? ShapeKernels.longs(ctx, in[1], "input[1] axes") : null;
    }
    return ctx.node().attrInts("axes", null);
  }

  /** A Squeeze node's output shape: its input's without the axes it drops (every 1 when none are given). */
  public static Shape squeezed(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    long[] axes = axesArgument(ctx, in, 13);
    int rank = x.shape().rank();
    boolean[] drop = new boolean[rank];
    if (axes == null || axes.length == 0) {  // an empty axes input squeezes every 1, as ONNX Runtime does
      for (int i = 0; i < rank; i++) {
        drop[i] = x.shape().dim(i) == 1;
      }
    } else {
      for (long a : axes) {
        int ax = ShapeKernels.axis(ctx, a, rank, "axes entry");
        if (x.shape().dim(ax) != 1) {
          throw ctx.invalid("cannot squeeze axis " + a + " of size " + x.shape().dim(ax));
        }
        drop[ax] = true;
      }
    }
    List<Long> dims = new ArrayList<>();
    for (int i = 0; i < rank; i++) {
      if (!drop[i]) {
        dims.add(x.shape().dim(i));
      }
    }
    return Shape.of(dims.stream().mapToLong(Long::longValue).toArray());
  }

  /** An Unsqueeze node's output shape: its input's with a 1 inserted at each axis. */
  public static Shape unsqueezed(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    long[] axes = axesArgument(ctx, in, 13);
    if (axes == null) {
      throw ctx.invalid("axes are required");
    }
    int outRank = x.shape().rank() + axes.length;
    boolean[] inserted = new boolean[outRank];
    for (long a : axes) {
      int ax = ShapeKernels.axis(ctx, a, outRank, "axes entry");
      if (inserted[ax]) {
        throw ctx.invalid("axis " + a + " appears twice in axes");
      }
      inserted[ax] = true;
    }
    long[] dims = new long[outRank];
    int src = 0;
    for (int i = 0; i < outRank; i++) {
      dims[i] = inserted[i] ? 1 : x.shape().dim(src++);
    }
    return Shape.of(dims);
  }

  private static Tensor[] transpose(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    return new Tensor[] {ShapeKernels.strided(x, transposeView(ctx, x))};
  }

  /** Checks a Transpose node's perm against x and returns the strided view it takes of x. */
  public static StridedView transposeView(OpContext ctx, Tensor x) {
    int rank = x.shape().rank();
    long[] perm = ctx.node().attrInts("perm", null);
    if (perm == null) {
      perm = new long[rank];
      for (int i = 0; i < rank; i++) {
        perm[i] = rank - 1 - i;
      }
    }
    if (perm.length != rank) {
      throw ctx.invalid("attribute perm " + Arrays.toString(perm) + " does not match rank " + rank);
    }
    boolean[] seen = new boolean[rank];
    long[] outDims = new long[rank];
    for (int i = 0; i < rank; i++) {
      int p = ShapeKernels.axis(ctx, perm[i], rank, "perm entry");
      perm[i] = p;  // normalized: a negative entry counts from the end
      if (seen[p]) {
        throw ctx.invalid("attribute perm " + Arrays.toString(perm) + " is not a permutation");
      }
      seen[p] = true;
      outDims[i] = x.shape().dim(p);
    }
    long[] inStrides = x.shape().strides();
    long[] strides = new long[rank];
    for (int i = 0; i < rank; i++) {
      strides[i] = inStrides[(int) perm[i]];
    }
    return new StridedView(Shape.of(outDims), 0, strides);
  }

  private static Tensor[] concat(OpContext ctx, Tensor[] in) {
    Tensor first = ctx.required(in, 0);
    int rank = first.shape().rank();
    int axis = ShapeKernels.axis(ctx, ctx.node().attrInt("axis", 0), rank, "attribute axis");
    long[] dims = first.shape().dims();
    long total = 0;
    for (int k = 0; k < in.length; k++) {
      Tensor t = ctx.required(in, k);
      if (t.dtype() != first.dtype() || t.shape().rank() != rank) {
        throw ctx.invalid("input[" + k + "] " + t.dtype() + t.shape() + " does not match input[0] " + first.dtype()
            + first.shape());
      }
      for (int d = 0; d < rank; d++) {
        if (d != axis && t.shape().dim(d) != dims[d]) {
          throw ctx.invalid("input[" + k + "] shape " + t.shape() + " differs from input[0] " + first.shape()
              + " outside axis " + axis);
        }
      }
      total += t.shape().dim(axis);
    }
    dims[axis] = total;
    Shape out = Shape.of(dims);
    Tensor y = Tensor.allocate(first.dtype(), out);
    long outer = 1;
    for (int d = 0; d < axis; d++) {
      outer *= dims[d];
    }
    int size = first.dtype().byteSize();
    long outRow = out.numElements() / Math.max(outer, 1) * size;
    long offset = 0;
    var to = y.buffer();
    for (Tensor t : in) {
      long row = t.size() / Math.max(outer, 1) * size;
      var from = t.buffer();
      for (long o = 0; o < outer; o++) {
        // one bulk copy per contiguous row of this input
        to.put((int) (o * outRow + offset), from, (int) (o * row), (int) row);
      }
      offset += row;
    }
    return new Tensor[] {y};
  }

  private static Tensor[] shape(OpContext ctx, Tensor[] in) {
    long[] dims = ctx.required(in, 0).shape().dims();
    int rank = dims.length;
    long start = ctx.node().attrInt("start", 0);
    long end = ctx.node().attrInt("end", rank);
    start = Math.max(0, Math.min(rank, start < 0 ? start + rank : start));
    end = Math.max(0, Math.min(rank, end < 0 ? end + rank : end));
    return new Tensor[] {ShapeKernels.int64Vector(Arrays.copyOfRange(dims, (int) start, (int) Math.max(start, end)))};
  }

  private static Tensor[] gather(OpContext ctx, Tensor[] in) {
    Tensor data = ctx.required(in, 0);
    Tensor indices = ctx.required(in, 1);
    int rank = data.shape().rank();
    int axis = ShapeKernels.axis(ctx, ctx.node().attrInt("axis", 0), rank, "attribute axis");
    long[] idx = ShapeKernels.longs(ctx, indices, "input[1] indices");
    long n = data.shape().dim(axis);
    long[] outDims = new long[rank - 1 + indices.shape().rank()];
    int k = 0;
    for (int d = 0; d < axis; d++) {
      outDims[k++] = data.shape().dim(d);
    }
    for (long d : indices.shape().dims()) {
      outDims[k++] = d;
    }
    for (int d = axis + 1; d < rank; d++) {
      outDims[k++] = data.shape().dim(d);
    }
    long outer = 1;
    for (int d = 0; d < axis; d++) {
      outer *= data.shape().dim(d);
    }
    long inner = 1;
    for (int d = axis + 1; d < rank; d++) {
      inner *= data.shape().dim(d);
    }
    Shape out = Shape.of(outDims);
    int[] index = new int[(int) out.numElements()];
    int p = 0;
    for (long o = 0; o < outer; o++) {
      for (long i : idx) {
        long j = i < 0 ? i + n : i;
        if (j < 0 || j >= n) {
          throw ctx.invalid("index " + i + " is out of range for axis " + axis + " of size " + n);
        }
        for (long q = 0; q < inner; q++) {
          index[p++] = (int) ((o * n + j) * inner + q);
        }
      }
    }
    return new Tensor[] {ShapeKernels.gather(data, out, index)};
  }

  private static Tensor[] expand(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    long[] target = ShapeKernels.longs(ctx, ctx.required(in, 1), "input[1] shape");
    for (int i = 0; i < target.length; i++) {
      if (target[i] < 0) {
        throw ctx.invalid("input[1] shape " + Arrays.toString(target) + " has a negative dimension at " + i);
      }
    }
    Shape out = ElementwiseOps.broadcast(ctx, x.shape(), Shape.of(target));
    return new Tensor[] {ShapeKernels.gather(x, out, Broadcast.sourceIndex(x.shape(), out))};
  }

  private static Tensor[] tile(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    long[] repeats = ShapeKernels.longs(ctx, ctx.required(in, 1), "input[1] repeats");
    int rank = x.shape().rank();
    if (repeats.length != rank) {
      throw ctx.invalid("repeats has " + repeats.length + " entries for rank " + rank);
    }
    long[] inDims = x.shape().dims();
    long[] outDims = new long[rank];
    for (int d = 0; d < rank; d++) {
      if (repeats[d] < 0) {
        throw ctx.invalid("repeats[" + d + "] is negative");
      }
      outDims[d] = inDims[d] * repeats[d];
    }
    Shape out = Shape.of(outDims);
    long[] strides = x.shape().strides();
    int[] index = new int[(int) out.numElements()];
    long[] idx = new long[rank];
    long[] src = new long[rank];
    for (int i = 0; i < index.length; i++) {
      for (int d = 0; d < rank; d++) {
        src[d] = idx[d] % inDims[d];
      }
      index[i] = ShapeKernels.flat(src, strides);
      ShapeKernels.next(idx, outDims);
    }
    return new Tensor[] {ShapeKernels.gather(x, out, index)};
  }
}

package io.edgewise.backend.cpu;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpKernel;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.backend.reference.ops.ReduceAxes;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Map;
import java.util.Set;

/**
 * ReduceSum, ReduceMean, ReduceMax and ReduceMin of float32 over one contiguous run of axes (unit axes may sit
 * anywhere) on the native core: the last axis of the normalisation patterns exporters write (LayerNorm as
 * ReduceMean/Sub/Pow/Sqrt/Div, the PaddleOCR recogniser's x.mean(-1)), or a middle run. Axes the reference's
 * {@link ReduceAxes} resolves (attribute or input, by opset); other dtypes and scattered axes go to the reference.
 */
final class CpuReductions {
  /** Each op with its ew_reduce kind and the opset at which its axes became an input. */
  private static final Map<String, int[]> KINDS = Map.of(
      "ReduceSum", new int[] {NativeCore.REDUCE_SUM, 13},
      "ReduceMean", new int[] {NativeCore.REDUCE_MEAN, 18},
      "ReduceMax", new int[] {NativeCore.REDUCE_MAX, 18},
      "ReduceMin", new int[] {NativeCore.REDUCE_MIN, 18});
  static final Set<String> OPS = KINDS.keySet();

  private CpuReductions() {}

  static void overlay(OpRegistry r) {
    for (Map.Entry<String, int[]> e : KINDS.entrySet()) {
      OpKernel fallback = r.get("", e.getKey());
      int kind = e.getValue()[0];
      int axesInputSince = e.getValue()[1];
      r.override("", e.getKey(), (ctx, in) -> reduce(ctx, in, kind, axesInputSince, fallback));
    }
  }

  private static Tensor[] reduce(OpContext ctx, Tensor[] in, int kind, int axesInputSince, OpKernel fallback) {
    Tensor x = ctx.required(in, 0);
    if (x.dtype() != DType.FLOAT32) {
      return ctx.fallBack("the native reduction takes float32, got " + CpuKernels.describe(x), fallback, in);
    }
    ReduceAxes ax = ReduceAxes.of(ctx, in, x, axesInputSince);
    if (ax.noop()) {
      return fallback.compute(ctx, in);
    }
    // x as [outer][n][inner]: the reduced axes (of extent > 1) must be one contiguous run
    long[] dims = x.shape().dims();
    int first = -1;
    int last = -1;
    for (int d = 0; d < dims.length; d++) {
      if (ax.reduced()[d] && dims[d] != 1) {
        first = first < 0 ? d : first;
        last = d;
      }
    }
    long outer = 1;
    long n = 1;
    long inner = 1;
    for (int d = 0; d < dims.length; d++) {
      if (first >= 0 && d >= first && d <= last) {
        if (!ax.reduced()[d] && dims[d] != 1) {
          return ctx.fallBack("the native reduction takes one contiguous run of axes, got " + CpuKernels.describe(x),
              fallback, in);
        }
        n *= dims[d];
      } else if (first >= 0 && d > last) {
        inner *= dims[d];
      } else {
        outer *= dims[d];
      }
    }
    if (first < 0) {
      if (x.size() == 0) {
        return fallback.compute(ctx, in);  // nothing to reduce over nothing: the reference's identities
      }
      outer = x.size();  // only unit axes reduced: each value is its own group
      n = 1;
      inner = 1;
    }
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, Shape.of(ax.outDims()));
    try {
      NativeCore.reduce(ctx.node().name(), kind, outer, n, inner, x.nativeAddress(), x.size(), y.nativeAddress(),
          y.size());
    } catch (RuntimeException e) {
      y.close();
      throw e;
    }
    return new Tensor[] {y};
  }
}

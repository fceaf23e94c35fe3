package io.edgewise.backend.cpu;

import io.edgewise.backend.reference.Broadcast;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpKernel;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.backend.reference.ops.ConvGeometry;
import io.edgewise.backend.reference.ops.ConvKernel;
import io.edgewise.backend.reference.ops.ShapeOps;
import io.edgewise.backend.reference.ops.SliceKernel;
import io.edgewise.backend.reference.ops.SplitKernel;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Set;

/**
 * Native kernels of the cpu device. Each handles the float32 cases the native core implements and hands any
 * other case (other dtypes, 1-D/3-D convolutions, broadcast batched MatMul) to the reference kernel it overrides,
 * so no shape is ever computed wrongly.
 */
final class CpuKernels {
  static final Set<String> NATIVE_OPS = union(Set.of("Conv", "FusedConv", "Gemm", "MatMul", "MaxPool", "AveragePool",
      "GlobalAveragePool", "LRN", "Transpose", "Slice", "Split", "Concat", "ConvInteger", "QLinearConv",
      "MatMulInteger", "QuantizeLinear", "DequantizeLinear", QuantizedTables.OP, QuantizedTables.CONV_OP, "Reshape", "Flatten", "Squeeze",
      "Unsqueeze"),
      union(union(CpuActivations.OPS, CpuElementwise.OPS), union(CpuLayerKernels.OPS, CpuReductions.OPS)));

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }

  private CpuKernels() {}

  /** The native kernels over a copy of the reference registry, using `packed` weights where it has them. */
  static OpRegistry overlay(OpRegistry r, PackedWeights packed) {
    OpKernel conv = r.get("", "Conv");
    OpKernel fused = r.get("io.edgewise", "FusedConv");
    OpKernel gemm = r.get("", "Gemm");
    OpKernel matmul = r.get("", "MatMul");
    r.override("", "Conv", (ctx, in) -> conv(ctx, in, false, conv, packed));
    r.override("io.edgewise", "FusedConv", (ctx, in) -> conv(ctx, in, true, fused, packed));
    r.override("", "Gemm", (ctx, in) -> gemm(ctx, in, gemm));
    r.override("", "MatMul", (ctx, in) -> matmul(ctx, in, matmul));
    OpKernel maxPool = r.get("", "MaxPool");
    OpKernel averagePool = r.get("", "AveragePool");
    OpKernel globalAverage = r.get("", "GlobalAveragePool");
    r.override("", "MaxPool", (ctx, in) -> pool(ctx, in, true, maxPool));
    r.override("", "AveragePool", (ctx, in) -> pool(ctx, in, false, averagePool));
    r.override("", "GlobalAveragePool", (ctx, in) -> globalAveragePool(ctx, in, globalAverage));
    OpKernel transpose = r.get("", "Transpose");
    r.override("", "Transpose", (ctx, in) -> words(in) ? new Tensor[] {StridedCopy.copy(ctx.required(in, 0),
        ShapeOps.transposeView(ctx, ctx.required(in, 0)))} : ctx.fallBack(
        "the strided copy moves 4-byte elements, got " + describe(ctx.required(in, 0)), transpose, in));
    OpKernel slice = r.get("", "Slice");
    r.override("", "Slice", (ctx, in) -> words(in) ? new Tensor[] {StridedCopy.copy(ctx.required(in, 0),
        SliceKernel.view(ctx, in))} : ctx.fallBack(
        "the strided copy moves 4-byte elements, got " + describe(ctx.required(in, 0)), slice, in));
    OpKernel split = r.get("", "Split");
    r.override("", "Split", (ctx, in) -> words(in) ? StridedCopy.copy(ctx.required(in, 0),
        SplitKernel.views(ctx, in)) : ctx.fallBack(
        "the strided copy moves 4-byte elements, got " + describe(ctx.required(in, 0)), split, in));
    OpKernel concat = r.get("", "Concat");
    r.override("", "Concat", (ctx, in) -> {
      Tensor y = in.length == 0 ? null : StridedCopy.concat(in, ctx.node().attrInt("axis", 0));
      return y != null ? new Tensor[] {y} : ctx.fallBack("the native Concat copies inputs of one 4- or 8-byte dtype"
          + " and matching shapes", concat, in);
    });
    // shape-only ops are zero-copy views of their input's memory (a copy per node was most of their time); a
    // graph's values are never written after they are made, and the interpreter copies a graph output that shares
    r.override("", "Reshape", (ctx, in) -> new Tensor[] {ctx.required(in, 0).view(ShapeOps.reshaped(ctx, in))});
    r.override("", "Flatten", (ctx, in) -> new Tensor[] {ctx.required(in, 0).view(ShapeOps.flattened(ctx, in))});
    r.override("", "Squeeze", (ctx, in) -> new Tensor[] {ctx.required(in, 0).view(ShapeOps.squeezed(ctx, in))});
    r.override("", "Unsqueeze", (ctx, in) -> new Tensor[] {ctx.required(in, 0).view(ShapeOps.unsqueezed(ctx, in))});
    OpKernel lrn = r.get("", "LRN");
    r.override("", "LRN", (ctx, in) -> lrn(ctx, in, lrn));
    CpuQuantKernels.overlay(r);
    CpuActivations.overlay(r);
    CpuElementwise.overlay(r);
    CpuLayerKernels.overlay(r);
    CpuReductions.overlay(r);
    return r;
  }

  /** "FLOAT64 [1, 3, 8]": what a native kernel declined, for the placement's fallback reason. */
  static String describe(Tensor t) {
    return t.dtype() + " " + t.shape();
  }

  private static boolean allFloat32(Tensor... ts) {
    for (Tensor t : ts) {
      if (t != null && t.dtype() != DType.FLOAT32) {
        return false;
      }
    }
    return true;
  }

  private static Tensor[] conv(OpContext ctx, Tensor[] in, boolean fused, OpKernel fallback, PackedWeights packed) {
    Tensor x = ctx.required(in, 0);
    Tensor w = ctx.required(in, 1);
    Tensor bias = in.length > 2 ? in[2] : null;
    Tensor residual = fused && in.length > 3 ? in[3] : null;
    if (!allFloat32(x, w, bias, residual) || x.shape().rank() != 4) {
      return ctx.fallBack("the native convolution takes float32 2-D images, got " + describe(x), fallback, in);
    }
    ConvKernel plan = ConvKernel.plan(ctx, x.shape(), w.shape());
    Shape out = plan.outputShape();
    if (bias != null && bias.size() != plan.outChannels) {
      throw ctx.invalid("bias B has " + bias.size() + " elements for " + plan.outChannels + " output channels");
    }
    if (residual != null && !residual.shape().equals(out)) {
      throw ctx.invalid("residual Z " + residual.shape() + " does not match the output " + out);
    }
    NativeActivation act = fused ? NativeActivation.of(ctx) : NativeActivation.NONE;
    int activation = act.code();
    float a = act.a();
    float b = act.b();
    ConvGeometry g = plan.geometry;
    long[] geometry = {plan.batch, plan.channels, g.in[0], g.in[1], plan.outChannels, g.out[0], g.out[1],
        g.kernel[0], g.kernel[1], g.strides[0], g.strides[1], g.dilations[0], g.dilations[1], g.padBegin[0],
        g.padBegin[1], plan.group};
    Tensor y = Tensor.allocate(DType.FLOAT32, out);
    long biasAddress = bias == null ? 0 : bias.nativeAddress();
    long residualAddress = residual == null ? 0 : residual.nativeAddress();
    Tensor packedW = packed.get(ctx.node().input(1));
    NativeExtents.conv2d(geometry, x, packedW != null ? null : w, bias, residual, y);
    if (packedW != null) {
      NativeCore.conv2dPrepacked(geometry, activation, a, b, x.nativeAddress(), packedW.nativeAddress(), biasAddress,
          residualAddress, y.nativeAddress());
    } else {
      NativeCore.conv2d(geometry, activation, a, b, x.nativeAddress(), w.nativeAddress(), biasAddress,
          residualAddress, y.nativeAddress());
    }
    return new Tensor[] {y};
  }

  /** 2-D pooling; MaxPool's Indices output and other ranks or types go to the reference kernel. */
  private static Tensor[] pool(OpContext ctx, Tensor[] in, boolean max, OpKernel fallback) {
    Tensor x = ctx.required(in, 0);
    long[] kernel = ctx.node().attrInts("kernel_shape", null);
    boolean plain = x.dtype() == DType.FLOAT32 && x.shape().rank() == 4 && kernel != null && kernel.length == 2
        && !(max && ctx.wantsOutput(1));
    if (!plain) {
      return ctx.fallBack("the native pooling takes float32 2-D windows without Indices, got " + describe(x),
          fallback, in);
    }
    long[] dims = x.shape().dims();
    ConvGeometry g = ConvGeometry.of(ctx, new long[] {dims[2], dims[3]}, kernel,
        ctx.node().attrInt("ceil_mode", 0) == 1);
    long[] geometry = {dims[0], dims[1], dims[2], dims[3], g.out[0], g.out[1], kernel[0], kernel[1], g.strides[0],
        g.strides[1], g.dilations[0], g.dilations[1], g.padBegin[0], g.padBegin[1], g.padEnd[0], g.padEnd[1],
        max ? 1 : 0, ctx.node().attrInt("count_include_pad", 0)};
    Tensor y = Tensor.allocate(DType.FLOAT32, Shape.of(dims[0], dims[1], g.out[0], g.out[1]));
    NativeExtents.pool2d(geometry, x, y);
    NativeCore.pool2d(geometry, x.nativeAddress(), y.nativeAddress());
    return new Tensor[] {y, null};
  }

  /** Whether the data input's elements are 4 bytes (float32, int32): the native strided copy moves those. */
  private static boolean words(Tensor[] in) {
    return in.length > 0 && in[0] != null && in[0].dtype().byteSize() == 4 && in[0].shape().rank() >= 1
        && in[0].shape().rank() <= 8;
  }

  /** LRN of float32 [N, C, ...] on the native core; other types and bad attributes go to the reference kernel. */
  private static Tensor[] lrn(OpContext ctx, Tensor[] in, OpKernel fallback) {
    Tensor x = ctx.required(in, 0);
    long size = ctx.node().attrInt("size", -1);
    if (x.dtype() != DType.FLOAT32 || x.shape().rank() < 3 || size < 1) {
      return ctx.fallBack("the native LRN takes float32 of rank >= 3 and size >= 1, got " + describe(x), fallback,
          in);
    }
    long[] dims = x.shape().dims();
    Tensor y = Tensor.allocate(DType.FLOAT32, x.shape());
    if (x.size() > 0) {
      NativeExtents.require("ew_lrn", "x", x, x.size());
      NativeExtents.require("ew_lrn", "y", y, x.size());
      NativeCore.lrn(dims[0], dims[1], x.size() / (dims[0] * dims[1]), size, ctx.node().attrFloat("alpha", 1e-4f),
          ctx.node().attrFloat("beta", 0.75f), ctx.node().attrFloat("bias", 1f), x.nativeAddress(),
          y.nativeAddress());
    }
    return new Tensor[] {y};
  }

  private static Tensor[] globalAveragePool(OpContext ctx, Tensor[] in, OpKernel fallback) {
    Tensor x = ctx.required(in, 0);
    if (x.dtype() != DType.FLOAT32 || x.shape().rank() < 3 || x.size() == 0) {
      return ctx.fallBack("the native global pool takes non-empty float32 of rank >= 3, got " + describe(x),
          fallback, in);
    }
    long[] dims = x.shape().dims();
    long planes = dims[0] * dims[1];
    long[] out = dims.clone();
    java.util.Arrays.fill(out, 2, out.length, 1);
    Tensor y = Tensor.allocate(DType.FLOAT32, Shape.of(out));
    NativeExtents.require("ew_global_average_pool", "x", x, x.size());
    NativeExtents.require("ew_global_average_pool", "y", y, planes);
    NativeCore.globalAveragePool(planes, x.size() / planes, x.nativeAddress(), y.nativeAddress());
    return new Tensor[] {y};
  }

  private static Tensor[] gemm(OpContext ctx, Tensor[] in, OpKernel fallback) {
    Tensor a = ctx.required(in, 0);
    Tensor b = ctx.required(in, 1);
    Tensor c = in.length > 2 ? in[2] : null;
    if (!allFloat32(a, b, c) || a.shape().rank() != 2 || b.shape().rank() != 2) {
      return ctx.fallBack("the native Gemm takes float32 matrices, got " + describe(a) + " x " + describe(b),
          fallback, in);
    }
    boolean ta = ctx.node().attrInt("transA", 0) == 1;
    boolean tb = ctx.node().attrInt("transB", 0) == 1;
    long m = a.shape().dim(ta ? 1 : 0);
    long k = a.shape().dim(ta ? 0 : 1);
    long n = b.shape().dim(tb ? 0 : 1);
    if (b.shape().dim(tb ? 1 : 0) != k) {
      throw ctx.invalid("inner dimensions differ: A " + a.shape() + " and B " + b.shape());
    }
    Shape out = Shape.of(m, n);
    float beta = ctx.node().attrFloat("beta", 1f);
    Tensor y = Tensor.allocate(DType.FLOAT32, out);
    if (c != null) {
      Shape bs = Broadcast.shape(c.shape(), out);
      if (!bs.equals(out)) {
        throw ctx.invalid("C " + c.shape() + " does not broadcast to " + out);
      }
      fillWithBroadcast(y, c, n);
    }
    NativeExtents.matrix("ew_sgemm", "A", a, 0, ta ? k : m, ta ? m : k, a.shape().dim(1));
    NativeExtents.matrix("ew_sgemm", "B", b, 0, tb ? n : k, tb ? k : n, b.shape().dim(1));
    NativeExtents.matrix("ew_sgemm", "Y", y, 0, m, n, n);
    NativeCore.sgemm(ta, tb, m, n, k, ctx.node().attrFloat("alpha", 1f), a.nativeAddress(), a.shape().dim(1),
        b.nativeAddress(), b.shape().dim(1), c == null ? 0f : beta, y.nativeAddress(), n);
    return new Tensor[] {y};
  }

  /** Gemm's C broadcast into y [m, n] (already checked to broadcast). */
  private static void fillWithBroadcast(Tensor y, Tensor c, long n) {
    Shape s = c.shape();
    if (n > 0 && s.numElements() == n && s.rank() >= 1 && s.dim(s.rank() - 1) == n) {
      // a bias, one value per column: copied row by row in native memory (the general path builds Java arrays)
      java.nio.ByteBuffer dst = y.buffer();
      for (long row = 0; row < y.size() / n; row++) {
        dst.put(c.buffer());
      }
      return;
    }
    int[] src = Broadcast.sourceIndex(c.shape(), y.shape());
    float[] cv = c.toFloatArray();
    float[] yv = new float[src.length];
    for (int i = 0; i < src.length; i++) {
      yv[i] = cv[src[i]];
    }
    y.setFloats(yv);
  }

  /**
   * MatMul whose batch dimensions broadcast (the recogniser's [1, 40, 120] x [120, 360] projections, [h, t, d] x
   * [d, t]): one packed GEMM per output batch, each operand's batch offset 0 along its broadcast axes; a B of rank 2
   * under a contiguous A is one GEMM of all A's rows.
   */
  private static Tensor broadcastMatmul(OpContext ctx, Tensor a, Tensor b) {
    long[] ad = a.shape().dims();
    long[] bd = b.shape().dims();
    long m = ad[ad.length - 2];
    long k = ad[ad.length - 1];
    long n = bd[bd.length - 1];
    if (bd[bd.length - 2] != k) {
      throw ctx.invalid("inner dimensions differ: " + a.shape() + " x " + b.shape());
    }
    Shape batchA = Shape.of(java.util.Arrays.copyOf(ad, ad.length - 2));
    Shape batchB = Shape.of(java.util.Arrays.copyOf(bd, bd.length - 2));
    Shape batch;
    try {
      batch = Broadcast.shape(batchA, batchB);
    } catch (io.edgewise.EdgewiseException e) {
      throw ctx.invalid("batch dimensions of " + a.shape() + " and " + b.shape() + " do not broadcast");
    }
    long[] out = java.util.Arrays.copyOf(batch.dims(), batch.rank() + 2);
    out[out.length - 2] = m;
    out[out.length - 1] = n;
    Tensor y = Tensor.allocate(DType.FLOAT32, Shape.of(out));
    long batches = batch.numElements();
    if (batchB.numElements() == 1) {
      // every batch of A against the one B: A's rows are contiguous, one GEMM
      NativeCore.sgemm(false, false, batches * m, n, k, 1f, a.nativeAddress(), k, b.nativeAddress(), n, 0f,
          y.nativeAddress(), n);
      return y;
    }
    int[] ia = Broadcast.sourceIndex(batchA, batch);
    int[] ib = Broadcast.sourceIndex(batchB, batch);
    for (int i = 0; i < batches; i++) {
      NativeCore.sgemm(false, false, m, n, k, 1f, a.nativeAddress() + ia[i] * m * k * 4, k,
          b.nativeAddress() + ib[i] * k * n * 4, n, 0f, y.nativeAddress() + i * m * n * 4, n);
    }
    return y;
  }

  /** 2-D MatMul, and batched MatMul whose batch dims agree exactly; the rest falls back. */
  private static Tensor[] matmul(OpContext ctx, Tensor[] in, OpKernel fallback) {
    Tensor a = ctx.required(in, 0);
    Tensor b = ctx.required(in, 1);
    BatchedMatMul p = allFloat32(a, b) ? BatchedMatMul.of(a, b) : null;
    if (p == null && allFloat32(a, b) && a.shape().rank() >= 2 && b.shape().rank() >= 2) {
      return new Tensor[] {broadcastMatmul(ctx, a, b)};
    }
    if (p == null) {
      return ctx.fallBack("the native MatMul takes float32 with equal batch dims, got " + describe(a) + " x "
          + describe(b), fallback, in);
    }
    if (!p.innerDimsAgree(b)) {
      throw ctx.invalid("inner dimensions differ: " + a.shape() + " x " + b.shape());
    }
    long m = p.m();
    long k = p.k();
    long n = p.n();
    Tensor y = Tensor.allocate(DType.FLOAT32, p.output());
    if (p.batches() > 0) {
      long last = p.batches() - 1;
      NativeExtents.matrix("ew_sgemm", "A", a, last * m * k, m, k, k);
      NativeExtents.matrix("ew_sgemm", "B", b, last * k * n, k, n, n);
      NativeExtents.matrix("ew_sgemm", "Y", y, last * m * n, m, n, n);
    }
    for (long i = 0; i < p.batches(); i++) {
      NativeCore.sgemm(false, false, m, n, k, 1f, a.nativeAddress() + i * m * k * 4, k,
          b.nativeAddress() + i * k * n * 4, n, 0f, y.nativeAddress() + i * m * n * 4, n);
    }
    return new Tensor[] {y};
  }
}

package io.edgewise.backend.cpu;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpKernel;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.backend.reference.ops.ConvGeometry;
import io.edgewise.backend.reference.ops.ConvKernel;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * The native int8 kernels of the cpu device: MatMulInteger (2-D, and batched with equal batch dims), ConvInteger and
 * QLinearConv (2-D, any group, pads/strides/dilations) over uint8/int8 operands, bit-exact against the reference
 * kernels (the integer sums are exact; QLinearConv requantizes in double exactly as the reference does). Every other
 * case (other ranks or types, broadcast batches, zero points or scales of unexpected shapes, K past the int32 bound)
 * goes to the reference kernel, which also reports the errors. QuantizeLinear and DequantizeLinear between float32
 * and 8 bits, per tensor or per axis (what a QDQ model puts around the ops that stay float), run natively
 * (ew_quantize_linear, ew_dequantize_linear) with the reference's arithmetic (a float32 quotient, half to even), and
 * the 8-bit table lookups {@link QuantizedTables} plans (ew_lookup8).
 */
final class CpuQuantKernels {
  /** The native kernels' bound on the reduction length (edgewise::kMaxInt8K): the exact result fits int32. */
  static final long MAX_K = 33025;

  private CpuQuantKernels() {}

  static OpRegistry overlay(OpRegistry r) {
    OpKernel convInteger = r.get("", "ConvInteger");
    OpKernel qlinearConv = r.get("", "QLinearConv");
    OpKernel matmulInteger = r.get("", "MatMulInteger");
    OpKernel quantize = r.get("", "QuantizeLinear");
    OpKernel dequantize = r.get("", "DequantizeLinear");
    r.override("", "QuantizeLinear", (ctx, in) -> quantize(ctx, in, quantize));
    r.override("", "DequantizeLinear", (ctx, in) -> dequantize(ctx, in, dequantize));
    r.override("", "ConvInteger", (ctx, in) -> convInteger(ctx, in, convInteger));
    r.override("", "QLinearConv", (ctx, in) -> qlinearConv(ctx, in, qlinearConv, null, null, null));
    r.override("", "MatMulInteger", (ctx, in) -> matmulInteger(ctx, in, matmulInteger));
    return r;
  }

  /**
   * QLinearConv reading the weights packed and the scales computed when the session compiled ({@link
   * QLinearConvWeights}); nodes it has nothing for run as {@link #overlay} runs them.
   */
  static void overlayPrepared(OpRegistry r, QLinearConvWeights prepared) {
    OpKernel reference = io.edgewise.backend.reference.ReferenceBackend.registry().get("", "QLinearConv");
    r.override("", "QLinearConv", (ctx, in) -> qlinearConv(ctx, in, reference, prepared, null, null));
  }

  /**
   * The {@link QuantizedTables#CONV_OP} kernel: QLinearConv with the lookup that followed it applied in the same
   * output pass (ew_qlinear_conv2d_lookup), reading the weights prepared at compile and the tables by the node's
   * output name; what the native kernel does not take runs as the reference QLinearConv then the lookup.
   */
  static void overlayConvLookups(OpRegistry r, QLinearConvWeights prepared, java.util.Map<String, Tensor> tables) {
    OpKernel reference = io.edgewise.backend.reference.ReferenceBackend.registry().get("", "QLinearConv");
    r.register(CpuElementwise.DOMAIN, QuantizedTables.CONV_OP, (ctx, in) -> {
      Tensor table = tables.get(ctx.node().output(0));
      DType to = DType.fromOnnx((int) ctx.node().attrInt("to", 0));
      if (table == null || (to != DType.UINT8 && to != DType.INT8)) {
        throw ctx.invalid("a QLinearConv with a fused lookup needs its tables and an 8-bit output type");
      }
      OpKernel unfused = (c, i) -> {
        Tensor[] y = reference.compute(c, i);
        try {
          return new Tensor[] {lookup(c, y[0], table, to)};
        } finally {
          y[0].close();
        }
      };
      return qlinearConv(ctx, in, unfused, prepared, table, to);
    });
  }

  private static boolean is8Bit(Tensor t) {
    return t.dtype() == DType.UINT8 || t.dtype() == DType.INT8;
  }

  private static boolean signed(Tensor t) {
    return t.dtype() == DType.INT8;
  }

  /** A zero point the native kernel takes: absent, or of the operand's type with 1 or `per` values. */
  private static boolean zeroFits(Tensor zero, Tensor operand, long per) {
    return zero == null || (zero.dtype() == operand.dtype() && (zero.size() == 1 || zero.size() == per));
  }

  private static int[] ints(Tensor t) {
    if (t == null) {
      return null;
    }
    long[] v = t.toLongArray();
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (int) v[i];
    }
    return out;
  }

  private static Tensor input(Tensor[] in, int i) {
    return in.length > i ? in[i] : null;
  }

  /** The 16-value geometry of ew_conv2d for a 4-D plan, or null when the convolution is not one the kernel runs. */
  private static long[] geometry(ConvKernel plan, Tensor w) {
    ConvGeometry g = plan.geometry;
    long k = w.shape().dim(1) * g.kernel[0] * g.kernel[1];
    if (k > MAX_K || plan.outputShape().numElements() == 0) {
      return null;
    }
    return new long[] {plan.batch, plan.channels, g.in[0], g.in[1], plan.outChannels, g.out[0], g.out[1],
        g.kernel[0], g.kernel[1], g.strides[0], g.strides[1], g.dilations[0], g.dilations[1], g.padBegin[0],
        g.padBegin[1], plan.group};
  }

  private static Tensor[] convInteger(OpContext ctx, Tensor[] in, OpKernel fallback) {
    Tensor x = ctx.required(in, 0);
    Tensor w = ctx.required(in, 1);
    Tensor xZero = input(in, 2);
    Tensor wZero = input(in, 3);
    if (!is8Bit(x) || !is8Bit(w) || x.shape().rank() != 4 || w.shape().rank() != 4 || x.size() == 0
        || !zeroFits(xZero, x, 1) || !zeroFits(wZero, w, w.shape().dim(0))) {
      return ctx.fallBack("the native ConvInteger takes 8-bit 2-D images with per-tensor or per-channel zero points, got " + CpuKernels.describe(x),
          fallback, in);
    }
    ConvKernel plan = ConvKernel.plan(ctx, x.shape(), w.shape());
    long[] geometry = geometry(plan, w);
    if (geometry == null) {
      return ctx.fallBack("the native ConvInteger does not take this geometry (" + plan.outputShape() + ")",
          fallback, in);
    }
    Tensor y = Tensor.allocate(DType.INT32, plan.outputShape());
    NativeCore.conv2dS8(geometry, signed(x), x.nativeAddress(), xZero == null ? 0 : (int) xZero.getLong(0),
        signed(w), w.nativeAddress(), ints(wZero), y.nativeAddress());
    return new Tensor[] {y};
  }

  /** QLinearConv; with a table, its bytes mapped by it (of type `to`) in the same pass. */
  private static Tensor[] qlinearConv(OpContext ctx, Tensor[] in, OpKernel fallback, QLinearConvWeights prepared,
      Tensor table, DType to) {
    Tensor x = ctx.required(in, 0);
    Tensor xScale = ctx.required(in, 1);
    Tensor xZero = input(in, 2);
    Tensor w = ctx.required(in, 3);
    Tensor wScale = ctx.required(in, 4);
    Tensor wZero = input(in, 5);
    Tensor yScale = ctx.required(in, 6);
    Tensor yZero = ctx.required(in, 7);
    Tensor bias = input(in, 8);
    if (!is8Bit(x) || !is8Bit(w) || !is8Bit(yZero) || x.shape().rank() != 4 || w.shape().rank() != 4
        || x.size() == 0 || yZero.size() == 0 || xScale.size() != 1 || yScale.size() != 1
        || !zeroFits(xZero, x, 1) || !zeroFits(wZero, w, w.shape().dim(0))) {
      return ctx.fallBack("the native QLinearConv takes 8-bit 2-D images with scalar x/y scales, got " + CpuKernels.describe(x),
          fallback, in);
    }
    long m = w.shape().dim(0);
    if ((wScale.size() != 1 && wScale.size() != m)
        || (bias != null && (bias.dtype() != DType.INT32 || bias.size() != m))
        || (table != null && table.shape().dim(0) != 1 && table.shape().dim(0) != m)) {
      return ctx.fallBack("the native QLinearConv takes a scalar or per-channel w_scale and an int32 bias of " + m + " elements",
          fallback, in);
    }
    ConvKernel plan = ConvKernel.plan(ctx, x.shape(), w.shape());
    long[] geometry = geometry(plan, w);
    if (geometry == null) {
      return ctx.fallBack("the native QLinearConv does not take this geometry (" + plan.outputShape() + ")",
          fallback, in);
    }
    // operands prepared at compile, for this very weight tensor (a node fed other weights is computed afresh)
    QLinearConvWeights.Prepared p = prepared == null ? null : prepared.get(ctx.node().output(0));
    if (p != null && p.weights() != w) {
      p = null;
    }
    double[] scale = p == null ? null : p.scale();
    if (scale == null) {
      // the reference's arithmetic, term by term: scale = x_scale * w_scale[m] / y_scale in double
      double xs = xScale.getDouble(0);
      double ys = yScale.getDouble(0);
      double[] ws = wScale.toDoubleArray();
      scale = new double[(int) m];
      for (int c = 0; c < m; c++) {
        scale[c] = xs * ws[ws.length == 1 ? 0 : c] / ys;
      }
    }
    Shape out = plan.outputShape();
    Tensor y = Tensor.allocate(table == null ? yZero.dtype() : to, out);
    long packed = p == null || p.packed() == null ? 0 : p.packed().nativeAddress();
    int xz = xZero == null ? 0 : (int) xZero.getLong(0);
    int[] wz = p == null ? ints(wZero) : p.wZero();
    long b = bias == null ? 0 : bias.nativeAddress();
    if (table == null) {
      NativeCore.qlinearConv2d(geometry, signed(x), x.nativeAddress(), xz, signed(w), w.nativeAddress(), packed, wz, b,
          scale, (int) yZero.getLong(0), signed(yZero), y.nativeAddress());
    } else {
      NativeCore.qlinearConv2dLookup(geometry, signed(x), x.nativeAddress(), xz, signed(w), w.nativeAddress(), packed,
          wz, b, scale, (int) yZero.getLong(0), signed(yZero), table.nativeAddress(), table.shape().dim(0),
          table.size(), y.nativeAddress());
    }
    return new Tensor[] {y};
  }

  /** 2-D MatMulInteger, and batched whose batch dims agree exactly; the rest falls back. */
  private static Tensor[] matmulInteger(OpContext ctx, Tensor[] in, OpKernel fallback) {
    Tensor a = ctx.required(in, 0);
    Tensor b = ctx.required(in, 1);
    Tensor aZero = input(in, 2);
    Tensor bZero = input(in, 3);
    BatchedMatMul p = is8Bit(a) && is8Bit(b) ? BatchedMatMul.of(a, b) : null;
    if (p == null || !p.innerDimsAgree(b) || p.k() > MAX_K || !zeroFits(aZero, a, p.m())
        || !zeroFits(bZero, b, p.n())) {
      return ctx.fallBack("the native MatMulInteger takes 8-bit matrices with equal batch dims and K <= " + MAX_K + ", got " + CpuKernels.describe(a) + " x " + CpuKernels.describe(b),
          fallback, in);
    }
    long m = p.m();
    long k = p.k();
    long n = p.n();
    Tensor y = Tensor.allocate(DType.INT32, p.output());
    if (y.size() == 0) {
      return new Tensor[] {y};
    }
    int[] za = ints(aZero);
    int[] zb = ints(bZero);
    for (long i = 0; i < p.batches(); i++) {
      NativeCore.gemmS8(m, n, k, signed(a), a.nativeAddress() + i * m * k, k, za, signed(b),
          b.nativeAddress() + i * k * n, n, zb, y.nativeAddress() + i * m * n * 4, n);
    }
    return new Tensor[] {y};
  }

  /**
   * The [outer][channels][inner] view of x for a float32 scale of one value (per-tensor) or one per element along
   * `axis` (per-axis), and a zero point of the same shape and the given 8-bit type (absent: 0); null where the
   * native kernels do not take it (blocked scales, other types), which the reference kernel then runs or refuses.
   */
  private static long[] view(OpContext ctx, Tensor x, Tensor scale, Tensor zero, DType bits) {
    if (scale.dtype() != DType.FLOAT32 || ctx.node().hasAttr("block_size") || (bits != DType.UINT8 && bits != DType.INT8)
        || (zero != null && (zero.dtype() != bits || !zero.shape().equals(scale.shape())))) {
      return null;
    }
    Shape s = x.shape();
    if (scale.size() == 1 && scale.shape().rank() <= 1) {
      return new long[] {1, 1, s.numElements()};
    }
    int rank = s.rank();
    long a = ctx.node().attrInt("axis", 1);
    int axis = (int) (a < 0 ? a + rank : a);
    if (rank == 0 || axis < 0 || axis >= rank || scale.shape().rank() != 1 || scale.size() != s.dim(axis)) {
      return null;
    }
    long outer = 1;
    long inner = 1;
    for (int d = 0; d < axis; d++) {
      outer *= s.dim(d);
    }
    for (int d = axis + 1; d < rank; d++) {
      inner *= s.dim(d);
    }
    return new long[] {outer, s.dim(axis), inner};
  }

  private static int[] zeros(Tensor zero, long count) {
    return zero == null ? new int[Math.toIntExact(count)] : ints(zero);
  }

  private static Tensor[] quantize(OpContext ctx, Tensor[] in, OpKernel fallback) {
    Tensor x = ctx.required(in, 0);
    Tensor scale = ctx.required(in, 1);
    Tensor zero = input(in, 2);
    DType type = zero != null ? zero.dtype()
        : ctx.node().hasAttr("output_dtype") ? DType.fromOnnx((int) ctx.node().attrInt("output_dtype", 2)) : DType.UINT8;
    long[] v = x.dtype() == DType.FLOAT32 ? view(ctx, x, scale, zero, type) : null;
    if (v == null || (zero != null && ctx.node().hasAttr("output_dtype")
        && DType.fromOnnx((int) ctx.node().attrInt("output_dtype", 0)) != zero.dtype())) {
      return ctx.fallBack("the native QuantizeLinear takes float32 to 8 bits with a per-tensor or per-axis float32 "
          + "scale", fallback, in);
    }
    Tensor y = Tensor.allocate(type, x.shape());
    NativeCore.quantizeLinear(ctx.node().describe(), v[0], v[1], v[2], x.nativeAddress(), x.size(),
        scale.toFloatArray(), zeros(zero, scale.size()), type == DType.INT8, y.nativeAddress(), y.size());
    return new Tensor[] {y};
  }

  private static Tensor[] dequantize(OpContext ctx, Tensor[] in, OpKernel fallback) {
    Tensor x = ctx.required(in, 0);
    Tensor scale = ctx.required(in, 1);
    Tensor zero = input(in, 2);
    long[] v = is8Bit(x) ? view(ctx, x, scale, zero, x.dtype()) : null;
    if (v == null || (ctx.node().hasAttr("output_dtype") && ctx.node().attrInt("output_dtype", 1) != 1)) {
      return ctx.fallBack("the native DequantizeLinear takes 8 bits to float32 with a per-tensor or per-axis "
          + "float32 scale", fallback, in);
    }
    Tensor y = Tensor.allocate(DType.FLOAT32, x.shape());
    NativeCore.dequantizeLinear(ctx.node().describe(), v[0], v[1], v[2], signed(x), x.nativeAddress(), x.size(),
        scale.toFloatArray(), zeros(zero, scale.size()), y.nativeAddress(), y.size());
    return new Tensor[] {y};
  }

  /** Registers the {@link QuantizedTables#OP} kernel reading the given tables (by the node's output name). */
  static void overlayLookups(OpRegistry r, java.util.Map<String, Tensor> tables) {
    r.register(CpuElementwise.DOMAIN, QuantizedTables.OP, (ctx, in) -> lookup(ctx, in, tables));
  }

  private static Tensor[] lookup(OpContext ctx, Tensor[] in, java.util.Map<String, Tensor> tables) {
    Tensor x = ctx.required(in, 0);
    Tensor table = tables.get(ctx.node().output(0));
    DType to = DType.fromOnnx((int) ctx.node().attrInt("to", 0));
    if (table == null || (to != DType.UINT8 && to != DType.INT8)) {
      throw ctx.invalid("a quantized lookup needs its tables and an 8-bit output type");
    }
    return new Tensor[] {lookup(ctx, x, table, to)};
  }

  /** y = the tables (uint8 [params, 256]) applied to x, channels on axis 1 where params > 1. */
  private static Tensor lookup(OpContext ctx, Tensor x, Tensor table, DType to) {
    long params = table.shape().dim(0);
    Shape s = x.shape();
    if (!is8Bit(x) || (params > 1 && (s.rank() < 2 || s.dim(1) != params))) {
      throw ctx.invalid("the quantized lookup's input " + CpuKernels.describe(x) + " must be 8-bit"
          + (params > 1 ? " with " + params + " channels on axis 1" : ""));
    }
    long outer = params == 1 ? 1 : s.dim(0);
    long inner = params == 1 ? s.numElements() : s.numElements() / Math.max(1, s.dim(0) * s.dim(1));
    Tensor y = Tensor.allocate(to, s);
    NativeCore.lookup8(ctx.node().describe(), outer, params, inner, table.nativeAddress(), params, table.size(),
        x.nativeAddress(), x.size(), y.nativeAddress(), y.size());
    return y;
  }
}

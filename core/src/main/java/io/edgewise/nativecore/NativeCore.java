package io.edgewise.nativecore;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;

/** Checked entry points into the native core: every status is mapped to an {@link EdgewiseException}. */
public final class NativeCore {
  private static final int EW_OK = 0;
  private static final int EW_INVALID_ARGUMENT = 1;
  private static final int EW_OUT_OF_MEMORY = 2;

  private NativeCore() {}

  /** 64-byte aligned, zero-filled native memory; throws when the allocation fails. */
  public static long allocate(long bytes) {
    long address = EdgewiseNative.ew_aligned_alloc(Math.max(bytes, 1));
    if (address == 0) {
      throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, "native allocation of " + bytes + " bytes failed");
    }
    return address;
  }

  public static void free(long address) {
    EdgewiseNative.ew_aligned_free(address);
  }

  /** Bytes of native memory currently held by the runtime's allocator (for leak checks). */
  public static long allocatedBytes() {
    return EdgewiseNative.ew_allocated_bytes();
  }

  /** Allocations made through the native allocator so far (steady-state inference should add none). */
  public static long allocationCount() {
    return EdgewiseNative.ew_allocation_count();
  }

  public static void zero(long address, long bytes) {
    EdgewiseNative.ew_zero(address, bytes);
  }

  /** Bytes the C heap has in use across every native library in the process (-1 where unknown). */
  public static long mallocInUseBytes() {
    return EdgewiseNative.ew_malloc_in_use_bytes();
  }

  public static String isa() {
    return EdgewiseNative.ew_isa_name();
  }

  /** Row-major C = alpha * op(A) * op(B) + beta * C over Java arrays (see edgewise.h). */
  public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int lda,
      float[] b, int ldb, float beta, float[] c, int ldc) {
    // The native side sees raw pointers: check here that every array holds what the dimensions promise.
    String what = "sgemm(M=" + m + ", N=" + n + ", K=" + k + ")";
    if (m < 0 || n < 0 || k < 0) {
      throw EdgewiseException.invalidArgument(what + ": negative dimension");
    }
    requireLength(what, "A", a, transA ? k : m, lda, transA ? m : k);
    requireLength(what, "B", b, transB ? n : k, ldb, transB ? k : n);
    requireLength(what, "C", c, m, ldc, n);
    check(EdgewiseNative.ew_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc),
        "ew_sgemm", m, n, k);
  }

  /**
   * Row-major GEMM over native memory (tensor addresses). The caller guarantees the extents; the planner checks
   * shapes before it calls.
   */
  public static void sgemm(boolean transA, boolean transB, long m, long n, long k, float alpha, long a, long lda,
      long b, long ldb, float beta, long c, long ldc) {
    check(EdgewiseNative.ew_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc),
        "ew_sgemm", m, n, k);
  }

  /** Fused 2-D convolution (see ew_conv2d in edgewise.h); bias and residual may be 0. */
  public static void conv2d(long[] geometry, int activation, float a, float b, long x, long w, long bias,
      long residual, long y) {
    if (geometry.length != 16) {
      throw EdgewiseException.invalidArgument("conv2d geometry needs 16 values, got " + geometry.length);
    }
    check(EdgewiseNative.ew_conv2d(geometry, activation, a, b, x, w, bias, residual, y), "ew_conv2d", geometry);
  }

  /** Floats the packed weights of this convolution need; 0 when it does not use packed weights (depthwise). */
  public static long conv2dPackedWeightsSize(long[] geometry) {
    long n = EdgewiseNative.ew_conv2d_packed_weights_size(geometry);
    if (n < 0) {
      throw EdgewiseException.invalidArgument("invalid conv2d geometry " + java.util.Arrays.toString(geometry));
    }
    return n;
  }

  public static void conv2dPackWeights(long[] geometry, long w, long packed) {
    check(EdgewiseNative.ew_conv2d_pack_weights(geometry, w, packed), "ew_conv2d_pack_weights");
  }

  /** ew_conv2d with weights from {@link #conv2dPackWeights}. */
  public static void conv2dPrepacked(long[] geometry, int activation, float a, float b, long x, long packed,
      long bias, long residual, long y) {
    check(EdgewiseNative.ew_conv2d_prepacked(geometry, activation, a, b, x, packed, bias, residual, y),
        "ew_conv2d_prepacked", geometry);
  }

  /**
   * Convolution over Java arrays (see ew_conv2d), without activation; bias may be null. Array lengths are checked
   * against the geometry here, since the native side sees raw pointers.
   */
  public static void conv2d(long[] geometry, float[] x, float[] w, float[] bias, float[] y) {
    checkConvArrays("conv2d", geometry, x, w, y);
    if (bias != null && bias.length < geometry[4]) {
      throw EdgewiseException.invalidArgument("conv2d: bias holds " + bias.length + " floats, needs " + geometry[4]);
    }
    check(EdgewiseNative.ew_conv2d(geometry, 0, 0f, 0f, x, w, bias, null, y), "ew_conv2d", geometry);
  }

  /** Weight gradient of a convolution (see ew_conv2d_backward_weights): dw is overwritten. */
  public static void conv2dBackwardWeights(long[] geometry, float[] x, float[] dy, float[] dw) {
    checkConvArrays("conv2d_backward_weights", geometry, x, dw, dy);
    check(EdgewiseNative.ew_conv2d_backward_weights(geometry, x, dy, dw), "ew_conv2d_backward_weights", geometry);
  }

  /** Input gradient of a convolution (see ew_conv2d_backward_data): dx is overwritten. */
  public static void conv2dBackwardData(long[] geometry, float[] dy, float[] w, float[] dx) {
    checkConvArrays("conv2d_backward_data", geometry, dx, w, dy);
    check(EdgewiseNative.ew_conv2d_backward_data(geometry, dy, w, dx), "ew_conv2d_backward_data", geometry);
  }

  private static void checkConvArrays(String what, long[] g, float[] x, float[] w, float[] y) {
    if (g.length != 16 || g[15] <= 0 || g[1] % g[15] != 0) {
      throw EdgewiseException.invalidArgument(what + ": invalid geometry " + java.util.Arrays.toString(g));
    }
    long xs = g[0] * g[1] * g[2] * g[3];
    long ws = g[4] * (g[1] / g[15]) * g[7] * g[8];
    long ys = g[0] * g[4] * g[5] * g[6];
    if (x == null || x.length < xs || w == null || w.length < ws || y == null || y.length < ys) {
      throw EdgewiseException.invalidArgument(what + java.util.Arrays.toString(g) + ": arrays hold x="
          + (x == null ? 0 : x.length) + ", w=" + (w == null ? 0 : w.length) + ", y=" + (y == null ? 0 : y.length)
          + " floats, need " + xs + ", " + ws + ", " + ys);
    }
  }

  /** The int8 kernel the native core uses on this CPU: "avx512vnni" or "scalar". */
  public static String int8Kernel() {
    return EdgewiseNative.ew_int8_kernel_name();
  }

  /**
   * Integer GEMM over native memory (see ew_gemm_s8 in edgewise.h): C int32 = (A - aZero) (B - bZero), A and B
   * uint8 or int8; a zero-point array may be null, or hold 1 or M (N) values.
   */
  public static void gemmS8(long m, long n, long k, boolean aSigned, long a, long lda, int[] aZero, boolean bSigned,
      long b, long ldb, int[] bZero, long c, long ldc) {
    check(EdgewiseNative.ew_gemm_s8(m, n, k, aSigned ? 1 : 0, a, lda, aZero, aZero == null ? 0 : aZero.length,
        bSigned ? 1 : 0, b, ldb, bZero, bZero == null ? 0 : bZero.length, c, ldc), "ew_gemm_s8", m, n, k);
  }

  /** Integer 2-D convolution to int32 (see ew_conv2d_s8); wZero may be null. */
  public static void conv2dS8(long[] geometry, boolean xSigned, long x, int xZero, boolean wSigned, long w,
      int[] wZero, long y) {
    if (geometry.length != 16) {
      throw EdgewiseException.invalidArgument("conv2d geometry needs 16 values, got " + geometry.length);
    }
    check(EdgewiseNative.ew_conv2d_s8(geometry, xSigned ? 1 : 0, x, xZero, wSigned ? 1 : 0, w, wZero,
        wZero == null ? 0 : wZero.length, y), "ew_conv2d_s8", geometry);
  }

  /** QLinearConv (see ew_qlinear_conv2d): scale holds one value per output channel; bias may be 0. */
  public static void qlinearConv2d(long[] geometry, boolean xSigned, long x, int xZero, boolean wSigned, long w,
      int[] wZero, long bias, double[] scale, int yZero, boolean ySigned, long y) {
    qlinearConv2d(geometry, xSigned, x, xZero, wSigned, w, 0, wZero, bias, scale, yZero, ySigned, y);
  }

  /**
   * QLinearConv with the weights packed by {@link #qlinearPackWeights} for the same channel counts, kernel and
   * group (ew_qlinear_conv2d_prepacked); packed 0 packs them per call.
   */
  public static void qlinearConv2d(long[] geometry, boolean xSigned, long x, int xZero, boolean wSigned, long w,
      long packed, int[] wZero, long bias, double[] scale, int yZero, boolean ySigned, long y) {
    if (geometry.length != 16 || scale.length != geometry[4]) {
      throw EdgewiseException.invalidArgument("qlinear_conv2d needs 16 geometry values and one scale per output "
          + "channel");
    }
    check(EdgewiseNative.ew_qlinear_conv2d_prepacked(geometry, xSigned ? 1 : 0, x, xZero, wSigned ? 1 : 0, w, packed,
        wZero, wZero == null ? 0 : wZero.length, bias, scale, yZero, ySigned ? 1 : 0, y), "ew_qlinear_conv2d",
        geometry);
  }

  /**
   * QLinearConv then an 8-bit table lookup in the same output pass (ew_qlinear_conv2d_lookup): tableParams tables of
   * 256 bytes at tables (1, or one per output channel, holding tableBytes bytes).
   */
  public static void qlinearConv2dLookup(long[] geometry, boolean xSigned, long x, int xZero, boolean wSigned, long w,
      long packed, int[] wZero, long bias, double[] scale, int yZero, boolean ySigned, long tables, long tableParams,
      long tableBytes, long y) {
    if (geometry.length != 16 || scale.length != geometry[4] || tables == 0
        || (tableParams != 1 && tableParams != geometry[4]) || tableBytes < 256 * tableParams) {
      throw EdgewiseException.invalidArgument("qlinear_conv2d_lookup needs 16 geometry values, one scale per output "
          + "channel and 1 or " + (geometry.length > 4 ? geometry[4] : "out_channels") + " tables of 256 bytes, got "
          + tableParams + " in " + tableBytes + " bytes");
    }
    check(EdgewiseNative.ew_qlinear_conv2d_lookup(geometry, xSigned ? 1 : 0, x, xZero, wSigned ? 1 : 0, w, packed,
        wZero, wZero == null ? 0 : wZero.length, bias, scale, yZero, ySigned ? 1 : 0, tables, tableParams, y),
        "ew_qlinear_conv2d_lookup", geometry);
  }

  /** Bytes of QLinearConv's packed weights for the geometry (0: depthwise, read as they are). */
  public static long qlinearPackedWeightsSize(long[] geometry) {
    long n = geometry.length == 16 ? EdgewiseNative.ew_qlinear_packed_weights_size(geometry) : -1;
    if (n < 0) {
      throw EdgewiseException.invalidArgument("invalid qlinear_conv2d geometry " + java.util.Arrays.toString(geometry));
    }
    return n;
  }

  public static void qlinearPackWeights(long[] geometry, boolean wSigned, long w, long packed) {
    check(EdgewiseNative.ew_qlinear_pack_weights(geometry, wSigned ? 1 : 0, w, packed), "ew_qlinear_pack_weights");
  }

  /** 2-D max/average pooling (see ew_pool2d in edgewise.h). */
  public static void pool2d(long[] geometry, long x, long y) {
    if (geometry.length != 18) {
      throw EdgewiseException.invalidArgument("pool2d geometry needs 18 values, got " + geometry.length);
    }
    check(EdgewiseNative.ew_pool2d(geometry, x, y), "ew_pool2d", geometry);
  }

  public static void globalAveragePool(long planes, long size, long x, long y) {
    check(EdgewiseNative.ew_global_average_pool(planes, size, x, y), "ew_global_average_pool");
  }

  /** Channels per block of the NCHWc layout on this CPU (16 with AVX-512, else 8). */
  public static int nchwcBlock() {
    return EdgewiseNative.ew_nchwc_block();
  }

  /** The NCHWc kernel set in use: "avx512", "avx2" or "generic". */
  public static String nchwcIsa() {
    return EdgewiseNative.ew_nchwc_isa();
  }

  /** NCHW to NCHWc (toBlocked) or back, for n images of c channels of hw pixels. */
  public static void nchwcReorder(boolean toBlocked, long n, long c, long hw, long x, long y) {
    check(EdgewiseNative.ew_nchwc_reorder(toBlocked ? 1 : 0, n, c, hw, x, y), "ew_nchwc_reorder");
  }

  /** Floats of this convolution's NCHWc packed weights, or -1 when NCHWc does not run it. */
  public static long nchwcConvWeightsSize(long[] geometry, boolean inputBlocked) {
    if (geometry.length != 16) {
      throw EdgewiseException.invalidArgument("conv2d geometry needs 16 values, got " + geometry.length);
    }
    return EdgewiseNative.ew_nchwc_conv_weights_size(geometry, inputBlocked ? 1 : 0);
  }

  public static void nchwcConvPackWeights(long[] geometry, boolean inputBlocked, long w, long packed) {
    check(EdgewiseNative.ew_nchwc_conv_pack_weights(geometry, inputBlocked ? 1 : 0, w, packed),
        "ew_nchwc_conv_pack_weights", geometry);
  }

  /** Direct convolution over NCHWc (see ew_nchwc_conv2d); bias and residual may be 0. */
  public static void nchwcConv2d(long[] geometry, boolean inputBlocked, int activation, float a, float b, long x,
      long packed, long bias, long residual, long y) {
    if (geometry.length != 16) {
      throw EdgewiseException.invalidArgument("conv2d geometry needs 16 values, got " + geometry.length);
    }
    check(EdgewiseNative.ew_nchwc_conv2d(geometry, inputBlocked ? 1 : 0, activation, a, b, x, packed, bias,
        residual, y), "ew_nchwc_conv2d", geometry);
  }

  public static void nchwcPool2d(long[] geometry, long x, long y) {
    if (geometry.length != 18) {
      throw EdgewiseException.invalidArgument("pool2d geometry needs 18 values, got " + geometry.length);
    }
    check(EdgewiseNative.ew_nchwc_pool2d(geometry, x, y), "ew_nchwc_pool2d", geometry);
  }

  public static void nchwcGlobalAveragePool(long n, long c, long hw, long x, long y) {
    check(EdgewiseNative.ew_nchwc_global_average_pool(n, c, hw, x, y), "ew_nchwc_global_average_pool");
  }

  public static void nchwcAdd(long count, long a, long b, boolean relu, long y) {
    check(EdgewiseNative.ew_nchwc_add(count, a, b, relu ? 1 : 0, y), "ew_nchwc_add");
  }

  /** y = the strided view (dims, element strides) of x's 4-byte elements, copied out (Transpose). */
  public static void stridedCopy32(long[] dims, long[] strides, long x, long y) {
    check(EdgewiseNative.ew_strided_copy32(dims.length, dims, strides, x, y), "ew_strided_copy32");
  }

  /** LRN over NCHW x [n][c][hw] (ONNX's definition; see ew_lrn). */
  public static void lrn(long n, long c, long hw, long size, float alpha, float beta, float bias, long x, long y) {
    check(EdgewiseNative.ew_lrn(n, c, hw, size, alpha, beta, bias, x, y), "ew_lrn");
  }

  /** y = a * b over NCHWc block planes of hw pixels; b like a (bHw = hw) or one vector per plane (bHw = 1). */
  public static void nchwcMul(long planes, long hw, long a, long b, long bHw, long y) {
    check(EdgewiseNative.ew_nchwc_mul(planes, hw, a, b, bHw, y), "ew_nchwc_mul");
  }

  /**
   * A channel gather over NCHWc tensors (n images of hw pixels): output channel j (of c) is channel sources[2j + 1]
   * of the tensor at x[sources[2j]], which has xChannels[...] channels.
   */
  public static void nchwcGatherChannels(long n, long hw, long[] x, long[] xChannels, long c, long[] sources,
      long y) {
    check(EdgewiseNative.ew_nchwc_gather_channels(n, hw, x.length, x, xChannels, c, sources, y),
        "ew_nchwc_gather_channels");
  }

  /**
   * y = act(x * s + t) per channel over NCHWc x (inference BatchNormalization: s = scale / sqrt(var + epsilon),
   * t = bias - mean * s), or y = act(x) when scale is 0; channels past c stay zero.
   */
  public static void nchwcChannelAffine(long n, long c, long hw, long x, long scale, long bias, long mean, long var,
      float epsilon, int activation, float a, float b, long y) {
    check(EdgewiseNative.ew_nchwc_channel_affine(n, c, hw, x, scale, bias, mean, var, epsilon, activation, a, b, y),
        "ew_nchwc_channel_affine");
  }

  /** y = act(x) over count floats (EW_ACT_* with its parameters a, b); y may be x. */
  public static void applyActivation(long count, int activation, float a, float b, long x, long y) {
    check(EdgewiseNative.ew_apply_activation(count, activation, a, b, x, y), "ew_apply_activation");
  }

  /**
   * QuantizeLinear from float32 to 8 bits over x viewed as [outer][channels][inner] holding `bytes` bytes of output
   * (see ew_quantize_linear): one scale and zero point, or one per channel. `what` names the node in errors.
   */
  public static void quantizeLinear(String what, long outer, long channels, long inner, long x, long xFloats,
      float[] scale, int[] zero, boolean ySigned, long y, long yBytes) {
    long n = quantView(what, outer, channels, inner, scale, zero);
    if (n > xFloats || n > yBytes || (n > 0 && (x == 0 || y == 0))) {
      throw EdgewiseException.invalidArgument(what + ": QuantizeLinear over " + n + " values reads " + xFloats
          + " floats and writes " + yBytes + " bytes");
    }
    check(EdgewiseNative.ew_quantize_linear(outer, channels, inner, x, scale, zero, scale.length, ySigned ? 1 : 0,
        y), "ew_quantize_linear (" + what + ")");
  }

  /** DequantizeLinear from 8 bits to float32, the view and checks of {@link #quantizeLinear}. */
  public static void dequantizeLinear(String what, long outer, long channels, long inner, boolean xSigned, long x,
      long xBytes, float[] scale, int[] zero, long y, long yFloats) {
    long n = quantView(what, outer, channels, inner, scale, zero);
    if (n > xBytes || n > yFloats || (n > 0 && (x == 0 || y == 0))) {
      throw EdgewiseException.invalidArgument(what + ": DequantizeLinear over " + n + " values reads " + xBytes
          + " bytes and writes " + yFloats + " floats");
    }
    check(EdgewiseNative.ew_dequantize_linear(outer, channels, inner, xSigned ? 1 : 0, x, scale, zero,
        scale.length, y), "ew_dequantize_linear (" + what + ")");
  }

  /**
   * y = tables[c][x] over [outer][channels][inner] bytes (see ew_lookup8): `params` tables of 256 bytes at
   * `tables` (1, or one per channel) holding tableBytes bytes.
   */
  public static void lookup8(String what, long outer, long channels, long inner, long tables, long params,
      long tableBytes, long x, long xBytes, long y, long yBytes) {
    if (outer < 0 || channels < 0 || inner < 0 || (params != 1 && params != channels) || tables == 0
        || tableBytes < 256 * params) {
      throw EdgewiseException.invalidArgument(what + ": a table lookup over " + outer + " x " + channels + " x "
          + inner + " needs 1 or " + channels + " tables of 256 bytes, got " + params + " in " + tableBytes
          + " bytes");
    }
    long n = Math.multiplyExact(Math.multiplyExact(outer, channels), inner);
    if (n > xBytes || n > yBytes || (n > 0 && (x == 0 || y == 0))) {
      throw EdgewiseException.invalidArgument(what + ": a table lookup over " + n + " values reads " + xBytes
          + " bytes and writes " + yBytes);
    }
    check(EdgewiseNative.ew_lookup8(outer, channels, inner, tables, params, x, y), "ew_lookup8 (" + what + ")");
  }

  private static long quantView(String what, long outer, long channels, long inner, float[] scale, int[] zero) {
    if (outer < 0 || channels < 0 || inner < 0 || scale.length != zero.length
        || (scale.length != 1 && scale.length != channels)) {
      throw EdgewiseException.invalidArgument(what + ": " + scale.length + " scales and " + zero.length
          + " zero points for " + outer + " x " + channels + " x " + inner + " values (needs 1 or " + channels
          + " of each)");
    }
    return Math.multiplyExact(Math.multiplyExact(outer, channels), inner);
  }

  /** Registers of {@link #eltwise}'s programs; a source below this is a register, else an operand. */
  public static final int ELTWISE_REGISTERS = 8;
  /** The last EW_ELT_* op code (edgewise.h). */
  private static final int ELTWISE_LAST_OP = 13;

  /**
   * An elementwise program over broadcast float32 operands in one pass (see ew_eltwise in edgewise.h): y, of
   * `dims`, holds yFloats floats; operand k lies at x[k], holds xFloats[k] floats and is read through
   * strides[k * rank + d]. Everything the native side indexes with is checked here first, so a bad size is an
   * exception naming `what` (the node), never a read past a tensor.
   */
  public static void eltwise(String what, long[] dims, long[] x, long[] xFloats, long[] strides, int[] code,
      float[] imm, long y, long yFloats) {
    int rank = dims.length;
    int operands = x.length;
    if (rank < 1 || rank > 8 || operands > 16 || xFloats.length != operands || strides.length != operands * rank
        || code.length == 0 || code.length % 4 != 0 || imm.length != code.length / 2 || y == 0) {
      throw EdgewiseException.invalidArgument(what + ": ew_eltwise needs rank 1..8, at most 16 operands and a "
          + "program of 4 ints and 2 floats per op (rank " + rank + ", " + operands + " operands, " + code.length
          + " code ints, " + imm.length + " floats)");
    }
    long total = 1;
    for (long d : dims) {
      if (d < 0) {
        throw EdgewiseException.invalidArgument(what + ": negative dimension in " + java.util.Arrays.toString(dims));
      }
      total = Math.multiplyExact(total, d);
    }
    if (total > yFloats) {
      throw EdgewiseException.invalidArgument(what + ": the output holds " + yFloats + " floats, the shape "
          + java.util.Arrays.toString(dims) + " needs " + total);
    }
    for (int k = 0; k < operands && total > 0; k++) {
      long last = 0;
      for (int d = 0; d < rank; d++) {
        long s = strides[k * rank + d];
        if (s < 0) {
          throw EdgewiseException.invalidArgument(what + ": operand " + k + " has a negative stride");
        }
        last += (dims[d] - 1) * s;
      }
      if (x[k] == 0 || last >= xFloats[k]) {
        throw EdgewiseException.invalidArgument(what + ": operand " + k + " holds " + xFloats[k] + " floats, the "
            + "broadcast to " + java.util.Arrays.toString(dims) + " reads up to element " + last);
      }
    }
    boolean[] written = new boolean[ELTWISE_REGISTERS];
    for (int i = 0; i < code.length / 4; i++) {
      int op = code[4 * i];
      int dst = code[4 * i + 1];
      boolean binary = op <= 5;
      if (op < 0 || op > ELTWISE_LAST_OP || dst < 0 || dst >= ELTWISE_REGISTERS) {
        throw EdgewiseException.invalidArgument(what + ": bad elementwise instruction " + i);
      }
      for (int j = 2; j < (binary ? 4 : 3); j++) {
        int src = code[4 * i + j];
        if (src < 0 || src >= ELTWISE_REGISTERS + operands || (src < ELTWISE_REGISTERS && !written[src])) {
          throw EdgewiseException.invalidArgument(what + ": elementwise instruction " + i + " reads " + src
              + ", which is no operand and no register written before");
        }
      }
      written[dst] = true;
    }
    check(EdgewiseNative.ew_eltwise(rank, dims, operands, x, strides, code.length / 4, code, imm, y),
        "ew_eltwise (" + what + ")");
  }

  /** Zeroes the lanes past c of an NCHWc tensor of n images of hw pixels holding yFloats floats. */
  public static void nchwcZeroPadding(long n, long c, long hw, long y, long yFloats) {
    long b = nchwcBlock();
    if (n < 0 || c < 0 || hw < 0 || yFloats < n * ((c + b - 1) / b) * hw * b) {
      throw EdgewiseException.invalidArgument("nchwc_zero_padding: " + n + " x " + c + " channels x " + hw
          + " pixels over " + yFloats + " floats");
    }
    check(EdgewiseNative.ew_nchwc_zero_padding(n, c, hw, y), "ew_nchwc_zero_padding");
  }

  /**
   * ConvTranspose over NCHW float32 (see ew_conv_transpose2d): geometry as a convolution's with in_* the input and
   * out_* the output; the float counts of every array are checked against it here.
   */
  public static void convTranspose2d(String what, long[] g, long x, long xFloats, long w, long wFloats, long bias,
      long biasFloats, long y, long yFloats) {
    if (g.length != 16 || g[15] <= 0 || g[1] % g[15] != 0 || g[4] % g[15] != 0) {
      throw EdgewiseException.invalidArgument(what + ": invalid ConvTranspose geometry " + java.util.Arrays.toString(g));
    }
    for (long v : g) {
      if (v < 0) {
        throw EdgewiseException.invalidArgument(what + ": invalid ConvTranspose geometry "
            + java.util.Arrays.toString(g));
      }
    }
    long xs = g[0] * g[1] * g[2] * g[3];
    long ws = g[1] * (g[4] / g[15]) * g[7] * g[8];
    long ys = g[0] * g[4] * g[5] * g[6];
    if (xFloats < xs || wFloats < ws || yFloats < ys || (bias != 0 && biasFloats < g[4])) {
      throw EdgewiseException.invalidArgument(what + ": ConvTranspose " + java.util.Arrays.toString(g) + " needs x="
          + xs + ", w=" + ws + ", y=" + ys + " floats, has " + xFloats + ", " + wFloats + ", " + yFloats);
    }
    check(EdgewiseNative.ew_conv_transpose2d(g, x, w, bias, y), "ew_conv_transpose2d (" + what + ")", g);
  }

  /** Nearest-neighbour Resize of `planes` planes (see ew_resize_nearest2d); indices and sizes checked here. */
  public static void resizeNearest2d(String what, long planes, long inH, long inW, long[] rows, long[] cols, long x,
      long xFloats, long y, long yFloats) {
    for (long r : rows) {
      if (r < 0 || r >= inH) {
        throw EdgewiseException.invalidArgument(what + ": source row " + r + " outside [0, " + inH + ")");
      }
    }
    for (long c : cols) {
      if (c < 0 || c >= inW) {
        throw EdgewiseException.invalidArgument(what + ": source column " + c + " outside [0, " + inW + ")");
      }
    }
    if (planes < 0 || xFloats < planes * inH * inW || yFloats < planes * rows.length * cols.length) {
      throw EdgewiseException.invalidArgument(what + ": Resize of " + planes + " planes " + inH + "x" + inW + " to "
          + rows.length + "x" + cols.length + " over x=" + xFloats + ", y=" + yFloats + " floats");
    }
    check(EdgewiseNative.ew_resize_nearest2d(planes, inH, inW, rows.length, cols.length, rows, cols, x, y),
        "ew_resize_nearest2d (" + what + ")");
  }

  /**
   * Linear Resize of `planes` planes (see ew_resize_linear2d): two (index, weight) taps per output row and column;
   * indices, tap counts and sizes checked here.
   */
  public static void resizeLinear2d(String what, long planes, long inH, long inW, long[] rows, float[] rowW,
      long[] cols, float[] colW, long x, long xFloats, long y, long yFloats) {
    if (rows.length % 2 != 0 || cols.length % 2 != 0 || rowW.length != rows.length || colW.length != cols.length) {
      throw EdgewiseException.invalidArgument(what + ": linear Resize needs two taps and two weights per row and"
          + " column, got " + rows.length + "/" + rowW.length + " and " + cols.length + "/" + colW.length);
    }
    for (long r : rows) {
      if (r < 0 || r >= inH) {
        throw EdgewiseException.invalidArgument(what + ": source row " + r + " outside [0, " + inH + ")");
      }
    }
    for (long c : cols) {
      if (c < 0 || c >= inW) {
        throw EdgewiseException.invalidArgument(what + ": source column " + c + " outside [0, " + inW + ")");
      }
    }
    long outH = rows.length / 2;
    long outW = cols.length / 2;
    if (planes < 0 || xFloats < planes * inH * inW || yFloats < planes * outH * outW) {
      throw EdgewiseException.invalidArgument(what + ": Resize of " + planes + " planes " + inH + "x" + inW + " to "
          + outH + "x" + outW + " over x=" + xFloats + ", y=" + yFloats + " floats");
    }
    check(EdgewiseNative.ew_resize_linear2d(planes, inH, inW, outH, outW, rows, rowW, cols, colW, x, y),
        "ew_resize_linear2d (" + what + ")");
  }

  /** Softmax over `rows` rows of `cols` floats (see ew_softmax); sizes checked here. */
  public static void softmax(String what, long rows, long cols, long x, long xFloats, long y, long yFloats) {
    if (rows < 0 || cols < 0 || xFloats < rows * cols || yFloats < rows * cols) {
      throw EdgewiseException.invalidArgument(what + ": Softmax of " + rows + " rows of " + cols + " over x="
          + xFloats + ", y=" + yFloats + " floats");
    }
    check(EdgewiseNative.ew_softmax(rows, cols, x, y), "ew_softmax (" + what + ")");
  }

  /** ew_reduce's kinds (EW_REDUCE_* in edgewise.h). */
  public static final int REDUCE_SUM = 0;
  public static final int REDUCE_MEAN = 1;
  public static final int REDUCE_MAX = 2;
  public static final int REDUCE_MIN = 3;

  /**
   * A reduction of x viewed as [outer][n][inner] floats to y [outer][inner] (see ew_reduce); sizes checked here
   * against the floats x and y hold.
   */
  public static void reduce(String what, int kind, long outer, long n, long inner, long x, long xFloats, long y,
      long yFloats) {
    if (kind < REDUCE_SUM || kind > REDUCE_MIN || outer < 0 || n < 0 || inner < 0 || xFloats < outer * n * inner
        || yFloats < outer * inner) {
      throw EdgewiseException.invalidArgument(what + ": reduction " + kind + " of " + outer + " x " + n + " x "
          + inner + " over x=" + xFloats + ", y=" + yFloats + " floats");
    }
    check(EdgewiseNative.ew_reduce(kind, outer, n, inner, x, y), "ew_reduce (" + what + ")");
  }

  /**
   * Concatenation of 4-byte words along one axis (see ew_concat32): input i at address x[i] holds held[i] words and
   * is read as [outer][widths[i]]; y holds yWords and is written as [outer][sum of widths]. Sizes checked here.
   */
  public static void concat32(String what, long outer, long[] x, long[] widths, long[] held, long y, long yWords) {
    long total = 0;
    for (int i = 0; i < x.length; i++) {
      if (widths[i] < 0 || outer < 0 || held[i] < outer * widths[i]) {
        throw EdgewiseException.invalidArgument(what + ": Concat input " + i + " of " + outer + " x " + widths[i]
            + " words holds " + held[i]);
      }
      total += widths[i];
    }
    if (yWords < outer * total) {
      throw EdgewiseException.invalidArgument(what + ": Concat of " + outer + " x " + total + " words into "
          + yWords);
    }
    check(EdgewiseNative.ew_concat32(x.length, outer, x, widths, y), "ew_concat32 (" + what + ")");
  }

  /** This CPU's FMA throughput on `threads` threads, measured now over about `millis` ms (GFLOP/s). */
  public static double measurePeakGflops(int threads, int millis) {
    return EdgewiseNative.ew_measure_peak_gflops(threads, millis);
  }

  /** Sets the native thread pool's size (process-wide). */
  public static void setThreads(int n) {
    check(EdgewiseNative.ew_set_num_threads(n), "ew_set_num_threads(" + n + ")");
  }

  public static int threads() {
    return EdgewiseNative.ew_get_num_threads();
  }

  /** Values of an FPGA tile geometry (see ew_fpga_pack_input in edgewise.h). */
  public static final int FPGA_TILES_LEN = 17;
  public static final int FPGA_INPUT = 0;
  public static final int FPGA_WEIGHTS = 1;
  public static final int FPGA_OUTPUT = 2;

  /** Floats the tile-contiguous blocks of one kind (FPGA_INPUT, FPGA_WEIGHTS, FPGA_OUTPUT) need. */
  public static long fpgaBlockFloats(long[] tiles, int which) {
    requireTiles(tiles);
    long n = EdgewiseNative.ew_fpga_block_floats(tiles, which);
    if (n < 0) {
      throw EdgewiseException.invalidArgument("invalid FPGA tile geometry " + java.util.Arrays.toString(tiles));
    }
    return n;
  }

  /** Activations (4 element strides) to tile-contiguous input blocks. */
  public static void fpgaPackInput(long[] tiles, long x, long[] strides, long blocks) {
    requireTiles(tiles);
    requireStrides(strides);
    check(EdgewiseNative.ew_fpga_pack_input(tiles, x, strides, blocks), "ew_fpga_pack_input");
  }

  /** Weights (4 element strides: out channel, in channel, row, column) to weight blocks. */
  public static void fpgaPackWeights(long[] tiles, long w, long[] strides, long blocks) {
    requireTiles(tiles);
    requireStrides(strides);
    check(EdgewiseNative.ew_fpga_pack_weights(tiles, w, strides, blocks), "ew_fpga_pack_weights");
  }

  /** An output-shaped tensor (the weight gradient's dy) to output blocks. */
  public static void fpgaPackOutput(long[] tiles, long y, long[] strides, long blocks) {
    requireTiles(tiles);
    requireStrides(strides);
    check(EdgewiseNative.ew_fpga_pack_output(tiles, y, strides, blocks), "ew_fpga_pack_output");
  }

  /** Output blocks to a tensor with the epilogue act(acc + bias + residual); bias and residual may be 0. */
  public static void fpgaUnpackOutput(long[] tiles, long blocks, long bias, long residual, int activation, float a,
      float b, long y, long[] strides) {
    requireTiles(tiles);
    requireStrides(strides);
    check(EdgewiseNative.ew_fpga_unpack_output(tiles, blocks, bias, residual, activation, a, b, y, strides),
        "ew_fpga_unpack_output");
  }

  /** Weight blocks (the weight gradient) to a tensor through 4 strides. */
  public static void fpgaUnpackWeights(long[] tiles, long blocks, long w, long[] strides) {
    requireTiles(tiles);
    requireStrides(strides);
    check(EdgewiseNative.ew_fpga_unpack_weights(tiles, blocks, w, strides), "ew_fpga_unpack_weights");
  }

  private static void requireStrides(long[] strides) {
    if (strides == null || strides.length != 4) {
      throw EdgewiseException.invalidArgument("FPGA reshaping needs 4 element strides");
    }
  }

  private static void requireTiles(long[] tiles) {
    if (tiles == null || tiles.length != FPGA_TILES_LEN) {
      throw EdgewiseException.invalidArgument("FPGA tile geometry needs " + FPGA_TILES_LEN + " values");
    }
  }

  private static void requireLength(String what, String name, float[] array, long rows, long ld, long cols) {
    if (rows == 0 || cols == 0) {
      return;
    }
    if (ld < cols) {
      throw EdgewiseException.invalidArgument(what + ": leading dimension of " + name + " is " + ld + " < " + cols);
    }
    long needed = (rows - 1) * ld + cols;
    if (array == null || array.length < needed) {
      throw EdgewiseException.invalidArgument(what + ": " + name + " holds " + (array == null ? 0 : array.length)
          + " floats, needs " + needed);
    }
  }

  // The messages of the calls an inference makes on every run are built only on failure: a string per call (the
  // geometry's Arrays.toString) was most of the Java heap a steady-state run allocated.
  private static void check(int status, String op, long[] geometry) {
    if (status != EW_OK) {
      check(status, op + java.util.Arrays.toString(geometry));
    }
  }

  private static void check(int status, String op, long m, long n, long k) {
    if (status != EW_OK) {
      check(status, op + "(M=" + m + ", N=" + n + ", K=" + k + ")");
    }
  }

  private static void check(int status, String what) {
    if (status == EW_OK) {
      return;
    }
    ErrorCode code = switch (status) {
      case EW_INVALID_ARGUMENT -> ErrorCode.INVALID_ARGUMENT;
      case EW_OUT_OF_MEMORY -> ErrorCode.RESOURCE_EXHAUSTED;
      default -> ErrorCode.DEVICE;
    };
    throw new EdgewiseException(code, what + " failed with native status " + status);
  }
}

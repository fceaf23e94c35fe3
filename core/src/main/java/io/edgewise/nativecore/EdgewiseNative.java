package io.edgewise.nativecore;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of the native core's C ABI (native/include/edgewise/edgewise.h). The JNI library is built by
 * the javacpp Maven plugin at process-classes and links the static CMake library libedgewise_core.a. Only this
 * package talks to native code; everything else goes through {@link NativeCore}.
 */
@Platform(include = "edgewise/edgewise.h", link = "edgewise_core", compiler = "cpp17")
public final class EdgewiseNative {
  static {
    Loader.load();
  }

  private EdgewiseNative() {}

  public static native @Cast("intptr_t") long ew_aligned_alloc(@Cast("int64_t") long bytes);

  public static native void ew_aligned_free(@Cast("intptr_t") long address);

  public static native @Cast("int64_t") long ew_allocated_bytes();

  public static native @Cast("int64_t") long ew_malloc_in_use_bytes();

  public static native @Cast("int64_t") long ew_allocation_count();

  public static native void ew_zero(@Cast("intptr_t") long address, @Cast("int64_t") long bytes);

  public static native int ew_sgemm(int transA, int transB, @Cast("int64_t") long m, @Cast("int64_t") long n,
      @Cast("int64_t") long k, float alpha, @Cast("const float*") float[] a, @Cast("int64_t") long lda,
      @Cast("const float*") float[] b, @Cast("int64_t") long ldb, float beta, @Cast("float*") float[] c,
      @Cast("int64_t") long ldc);

  /** The same GEMM over native addresses (tensor memory), without copies. */
  public static native int ew_sgemm(int transA, int transB, @Cast("int64_t") long m, @Cast("int64_t") long n,
      @Cast("int64_t") long k, float alpha, @Cast("const float*") long a, @Cast("int64_t") long lda,
      @Cast("const float*") long b, @Cast("int64_t") long ldb, float beta, @Cast("float*") long c,
      @Cast("int64_t") long ldc);

  public static native int ew_conv2d(@Cast("const int64_t*") long[] geometry, int activation, float a, float b,
      @Cast("const float*") long x, @Cast("const float*") long w, @Cast("const float*") long bias,
      @Cast("const float*") long residual, @Cast("float*") long y);

  public static native @Cast("int64_t") long ew_conv2d_packed_weights_size(
      @Cast("const int64_t*") long[] geometry);

  public static native int ew_conv2d_pack_weights(@Cast("const int64_t*") long[] geometry,
      @Cast("const float*") long w, @Cast("float*") long packed);

  public static native int ew_conv2d_prepacked(@Cast("const int64_t*") long[] geometry, int activation, float a,
      float b, @Cast("const float*") long x, @Cast("const float*") long packed, @Cast("const float*") long bias,
      @Cast("const float*") long residual, @Cast("float*") long y);

  // Training's heap arrays are pinned (GetPrimitiveArrayCritical), not copied in and back out: a layer4 weight of
  // ResNet-18 is 9 MB, and a copy each way cost as much as the convolution. The kernels call nothing in the JVM.
  @CriticalRegion
  public static native int ew_conv2d_backward_weights(@Cast("const int64_t*") long[] geometry,
      @Cast("const float*") float[] x, @Cast("const float*") float[] dy, @Cast("float*") float[] dw);

  @CriticalRegion
  public static native int ew_conv2d_backward_data(@Cast("const int64_t*") long[] geometry,
      @Cast("const float*") float[] dy, @Cast("const float*") float[] w, @Cast("float*") float[] dx);

  /** ew_conv2d over Java arrays (training keeps its activations on the heap). */
  @CriticalRegion
  public static native int ew_conv2d(@Cast("const int64_t*") long[] geometry, int activation, float a, float b,
      @Cast("const float*") float[] x, @Cast("const float*") float[] w, @Cast("const float*") float[] bias,
      @Cast("const float*") float[] residual, @Cast("float*") float[] y);

  public static native int ew_gemm_s8(@Cast("int64_t") long m, @Cast("int64_t") long n, @Cast("int64_t") long k,
      int aSigned, @Cast("const void*") long a, @Cast("int64_t") long lda, @Cast("const int32_t*") int[] aZero,
      @Cast("int64_t") long aZeroCount, int bSigned, @Cast("const void*") long b, @Cast("int64_t") long ldb,
      @Cast("const int32_t*") int[] bZero, @Cast("int64_t") long bZeroCount, @Cast("int32_t*") long c,
      @Cast("int64_t") long ldc);

  public static native int ew_conv2d_s8(@Cast("const int64_t*") long[] geometry, int xSigned,
      @Cast("const void*") long x, int xZero, int wSigned, @Cast("const void*") long w,
      @Cast("const int32_t*") int[] wZero, @Cast("int64_t") long wZeroCount, @Cast("int32_t*") long y);

  public static native int ew_qlinear_conv2d(@Cast("const int64_t*") long[] geometry, int xSigned,
      @Cast("const void*") long x, int xZero, int wSigned, @Cast("const void*") long w,
      @Cast("const int32_t*") int[] wZero, @Cast("int64_t") long wZeroCount, @Cast("const int32_t*") long bias,
      @Cast("const double*") double[] scale, int yZero, int ySigned, @Cast("void*") long y);

  public static native int ew_qlinear_conv2d_prepacked(@Cast("const int64_t*") long[] geometry, int xSigned,
      @Cast("const void*") long x, int xZero, int wSigned, @Cast("const void*") long w,
      @Cast("const void*") long packed, @Cast("const int32_t*") int[] wZero, @Cast("int64_t") long wZeroCount,
      @Cast("const int32_t*") long bias, @Cast("const double*") double[] scale, int yZero, int ySigned,
      @Cast("void*") long y);

  public static native int ew_qlinear_conv2d_lookup(@Cast("const int64_t*") long[] geometry, int xSigned,
      @Cast("const void*") long x, int xZero, int wSigned, @Cast("const void*") long w,
      @Cast("const void*") long packed, @Cast("const int32_t*") int[] wZero, @Cast("int64_t") long wZeroCount,
      @Cast("const int32_t*") long bias, @Cast("const double*") double[] scale, int yZero, int ySigned,
      @Cast("const uint8_t*") long tables, @Cast("int64_t") long tableParams, @Cast("void*") long y);

  public static native @Cast("int64_t") long ew_qlinear_packed_weights_size(@Cast("const int64_t*") long[] geometry);

  public static native int ew_qlinear_pack_weights(@Cast("const int64_t*") long[] geometry, int wSigned,
      @Cast("const void*") long w, @Cast("void*") long packed);

  public static native @Cast("const char*") String ew_int8_kernel_name();

  public static native int ew_pool2d(@Cast("const int64_t*") long[] geometry, @Cast("const float*") long x,
      @Cast("float*") long y);

  public static native int ew_global_average_pool(@Cast("int64_t") long planes, @Cast("int64_t") long size,
      @Cast("const float*") long x, @Cast("float*") long y);

  public static native int ew_nchwc_block();

  public static native @Cast("const char*") String ew_nchwc_isa();

  public static native int ew_nchwc_reorder(int toBlocked, @Cast("int64_t") long n, @Cast("int64_t") long c,
      @Cast("int64_t") long hw, @Cast("const float*") long x, @Cast("float*") long y);

  public static native @Cast("int64_t") long ew_nchwc_conv_weights_size(@Cast("const int64_t*") long[] geometry,
      int inputBlocked);

  public static native int ew_nchwc_conv_pack_weights(@Cast("const int64_t*") long[] geometry, int inputBlocked,
      @Cast("const float*") long w, @Cast("float*") long packed);

  public static native int ew_nchwc_conv2d(@Cast("const int64_t*") long[] geometry, int inputBlocked,
      int activation, float a, float b, @Cast("const float*") long x, @Cast("const float*") long packed,
      @Cast("const float*") long bias, @Cast("const float*") long residual, @Cast("float*") long y);

  public static native int ew_nchwc_pool2d(@Cast("const int64_t*") long[] geometry, @Cast("const float*") long x,
      @Cast("float*") long y);

  public static native int ew_nchwc_global_average_pool(@Cast("int64_t") long n, @Cast("int64_t") long c,
      @Cast("int64_t") long hw, @Cast("const float*") long x, @Cast("float*") long y);

  public static native int ew_nchwc_add(@Cast("int64_t") long count, @Cast("const float*") long a,
      @Cast("const float*") long b, int relu, @Cast("float*") long y);

  public static native int ew_strided_copy32(int rank, @Cast("const int64_t*") long[] dims,
      @Cast("const int64_t*") long[] strides, @Cast("const void*") long x, @Cast("void*") long y);

  public static native int ew_lrn(@Cast("int64_t") long n, @Cast("int64_t") long c, @Cast("int64_t") long hw,
      @Cast("int64_t") long size, float alpha, float beta, float bias, @Cast("const float*") long x,
      @Cast("float*") long y);

  public static native int ew_nchwc_mul(@Cast("int64_t") long planes, @Cast("int64_t") long hw,
      @Cast("const float*") long a, @Cast("const float*") long b, @Cast("int64_t") long bHw, @Cast("float*") long y);

  public static native int ew_nchwc_gather_channels(@Cast("int64_t") long n, @Cast("int64_t") long hw, int inputs,
      @Cast("const int64_t*") long[] x, @Cast("const int64_t*") long[] xChannels, @Cast("int64_t") long c,
      @Cast("const int64_t*") long[] sources, @Cast("float*") long y);

  public static native int ew_nchwc_channel_affine(@Cast("int64_t") long n, @Cast("int64_t") long c,
      @Cast("int64_t") long hw, @Cast("const float*") long x, @Cast("const float*") long scale,
      @Cast("const float*") long bias, @Cast("const float*") long mean, @Cast("const float*") long var,
      float epsilon, int activation, float a, float b, @Cast("float*") long y);

  public static native int ew_apply_activation(@Cast("int64_t") long count, int activation, float a, float b,
      @Cast("const float*") long x, @Cast("float*") long y);

  public static native int ew_quantize_linear(@Cast("int64_t") long outer, @Cast("int64_t") long channels,
      @Cast("int64_t") long inner, @Cast("const float*") long x, @Cast("const float*") float[] scale,
      @Cast("const int32_t*") int[] zero, @Cast("int64_t") long params, int ySigned, @Cast("void*") long y);

  public static native int ew_dequantize_linear(@Cast("int64_t") long outer, @Cast("int64_t") long channels,
      @Cast("int64_t") long inner, int xSigned, @Cast("const void*") long x, @Cast("const float*") float[] scale,
      @Cast("const int32_t*") int[] zero, @Cast("int64_t") long params, @Cast("float*") long y);

  public static native int ew_lookup8(@Cast("int64_t") long outer, @Cast("int64_t") long channels,
      @Cast("int64_t") long inner, @Cast("const uint8_t*") long tables, @Cast("int64_t") long params,
      @Cast("const void*") long x, @Cast("void*") long y);

  public static native int ew_eltwise(int rank, @Cast("const int64_t*") long[] dims, int operands,
      @Cast("const int64_t*") long[] x, @Cast("const int64_t*") long[] strides, int instructions,
      @Cast("const int32_t*") int[] code, @Cast("const float*") float[] imm, @Cast("float*") long y);

  public static native int ew_nchwc_zero_padding(@Cast("int64_t") long n, @Cast("int64_t") long c,
      @Cast("int64_t") long hw, @Cast("float*") long y);

  public static native int ew_conv_transpose2d(@Cast("const int64_t*") long[] geometry, @Cast("const float*") long x,
      @Cast("const float*") long w, @Cast("const float*") long bias, @Cast("float*") long y);

  public static native int ew_resize_nearest2d(@Cast("int64_t") long planes, @Cast("int64_t") long inH,
      @Cast("int64_t") long inW, @Cast("int64_t") long outH, @Cast("int64_t") long outW,
      @Cast("const int64_t*") long[] rows, @Cast("const int64_t*") long[] cols, @Cast("const float*") long x,
      @Cast("float*") long y);

  public static native int ew_resize_linear2d(@Cast("int64_t") long planes, @Cast("int64_t") long inH,
      @Cast("int64_t") long inW, @Cast("int64_t") long outH, @Cast("int64_t") long outW,
      @Cast("const int64_t*") long[] rows, @Cast("const float*") float[] rowW, @Cast("const int64_t*") long[] cols,
      @Cast("const float*") float[] colW, @Cast("const float*") long x, @Cast("float*") long y);

  public static native int ew_softmax(@Cast("int64_t") long rows, @Cast("int64_t") long cols,
      @Cast("const float*") long x, @Cast("float*") long y);

  public static native int ew_reduce(int kind, @Cast("int64_t") long outer, @Cast("int64_t") long n,
      @Cast("int64_t") long inner, @Cast("const float*") long x, @Cast("float*") long y);

  public static native int ew_concat32(int inputs, @Cast("int64_t") long outer, @Cast("const int64_t*") long[] x,
      @Cast("const int64_t*") long[] widths, @Cast("void*") long y);

  public static native double ew_measure_peak_gflops(int threads, int millis);

  public static native int ew_set_num_threads(int n);

  public static native int ew_get_num_threads();

  public static native @Cast("const char*") String ew_isa_name();

  public static native @Cast("int64_t") long ew_fpga_block_floats(@Cast("const int64_t*") long[] tiles, int which);

  public static native int ew_fpga_pack_input(@Cast("const int64_t*") long[] tiles, @Cast("const float*") long x,
      @Cast("const int64_t*") long[] strides, @Cast("float*") long blocks);

  public static native int ew_fpga_pack_weights(@Cast("const int64_t*") long[] tiles, @Cast("const float*") long w,
      @Cast("const int64_t*") long[] strides, @Cast("float*") long blocks);

  public static native int ew_fpga_pack_output(@Cast("const int64_t*") long[] tiles, @Cast("const float*") long y,
      @Cast("const int64_t*") long[] strides, @Cast("float*") long blocks);

  public static native int ew_fpga_unpack_output(@Cast("const int64_t*") long[] tiles,
      @Cast("const float*") long blocks, @Cast("const float*") long bias, @Cast("const float*") long residual,
      int activation, float a, float b, @Cast("float*") long y, @Cast("const int64_t*") long[] strides);

  public static native int ew_fpga_unpack_weights(@Cast("const int64_t*") long[] tiles,
      @Cast("const float*") long blocks, @Cast("float*") long w, @Cast("const int64_t*") long[] strides);
}

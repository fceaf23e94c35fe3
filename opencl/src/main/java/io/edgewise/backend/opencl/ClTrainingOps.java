package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The kernels of kernels/train.cl on one context, built once with the GEMM tile macros of {@link ClTrainTiles}
 * (TILE_M, TILE_N, VEC, LX, LOCAL_A, KB) through the program cache: a batched strided GEMM (vector or interleaved
 * scalar variant), im2col, col2im and an outer-axes swap. Holds no memory of its own: the program belongs to the
 * context.
 */
public final class ClTrainingOps {
  /** The kernels/ file these ops are built from. */
  public static final String FILE = "train.cl";

  private final ClContext context;
  private final ClTrainTiles tiles;
  private final boolean profile;
  private final ClKernel gemm;
  private final ClKernel im2col;
  private final ClKernel col2im;
  private final ClKernel swap;
  private final Map<String, long[]> byKernel = new TreeMap<>();  // name -> {launches, device ns}

  /**
   * Builds (or loads) the program. With {@code profile} each launch waits for its kernel and returns its device time
   * (OpenCL profiling); without, launches return 0 at once and the in-order queue runs them back to back until the
   * next blocking transfer (faster on PoCL: a wait per kernel costs about as much as a small kernel).
   */
  public ClTrainingOps(ClPrograms programs, ClTrainTiles tiles, boolean profile) {
    this.context = programs.context();
    this.tiles = tiles;
    this.profile = profile;
    Map<String, Object> macros = tiles.macros();
    this.gemm = programs.kernel(FILE, tiles.vec() > 0 ? "gemm_vec" : "gemm_batched", macros);
    this.im2col = programs.kernel(FILE, "im2col", macros);
    this.col2im = programs.kernel(FILE, "col2im", macros);
    this.swap = programs.kernel(FILE, "swap_outer", macros);
  }

  public ClContext context() {
    return context;
  }

  public ClTrainTiles tiles() {
    return tiles;
  }

  /** Kernels launched so far. */
  public long launches() {
    return byKernel.values().stream().mapToLong(v -> v[0]).sum();
  }

  /** Whether launches are profiled (device times are 0 otherwise). */
  public boolean profiled() {
    return profile;
  }

  /** Device time so far in ns (OpenCL profiling; 0 unless profiled), per kernel name. */
  public Map<String, Long> deviceNanosByKernel() {
    Map<String, Long> out = new LinkedHashMap<>();
    byKernel.forEach((k, v) -> out.put(k, v[1]));
    return out;
  }

  /**
   * C[z] = alpha * A[z] B[z] + beta * C[z] for z below {@code batches}: A [m, k] read at z * bsa + i * rsa + p * csa,
   * B [k, n] at z * bsb + p * rsb + j, C [m, n] at z * bsc + i * rsc + j. beta = 0 never reads C.
   */
  public long gemm(int batches, int m, int n, int k, ClBuffer a, int rsa, int csa, long bsa, ClBuffer b, int rsb,
      long bsb, ClBuffer c, int rsc, long bsc, float alpha, float beta) {
    if (batches <= 0 || m <= 0 || n <= 0) {
      return 0;
    }
    // the kernels index within one batch with ints
    index((long) (m - 1) * rsa + (long) Math.max(0, k - 1) * csa, "GEMM operand A of " + m + "x" + k);
    index((long) Math.max(0, k - 1) * rsb + n, "GEMM operand B of " + k + "x" + n);
    index((long) (m - 1) * rsc + n, "GEMM result of " + m + "x" + n);
    int lx = tiles.lx();
    long[] global;
    long[] local;
    if (tiles.vec() > 0) {
      global = new long[] {ceil(n, tiles.vec() * tiles.cols()), ceil(m, tiles.rows()), batches};
      local = null;
    } else {
      global = new long[] {(long) ceil(n, lx * tiles.cols()) * lx, ceil(m, tiles.rows()), batches};
      local = new long[] {lx, 1, 1};
    }
    return run(gemm, global, local, a, b, c, m, n, k, rsa, csa, index(bsa, "A batch stride"), rsb,
        index(bsb, "B batch stride"), rsc, index(bsc, "C batch stride"), alpha, beta);
  }

  /**
   * Unfolds the input x [N, C, H, W] into the columns of the convolution's product: [G][Kc][N*P] (col) or, when
   * {@code transposed}, [G][N*P][Kc] (colT), Kc = C/G * KH * KW and P = OH * OW.
   */
  public long im2col(ConvProblem p, ClBuffer x, ClBuffer col, boolean transposed) {
    long np = (long) p.n() * p.oh() * p.ow();
    int kc = columnRows(p);
    index(np * kc * p.groups(), "im2col of " + p);
    return run(im2col, new long[] {p.ow(), (long) p.n() * p.oh(), (long) p.groups() * kc}, null, x, col, p.c(),
        p.h(), p.w(), p.oh(), p.ow(), p.kh(), p.kw(), p.sh(), p.sw(), p.dilH(), p.dilW(), p.padH(), p.padW(), kc,
        transposed ? 1 : (int) np, transposed ? kc : 1);
  }

  /** dx [N, C, H, W] = the sum, for each input element, of the column entries of dcol ([G][Kc][N*P]) it fed. */
  public long col2im(ConvProblem p, ClBuffer dcol, ClBuffer dx) {
    index(p.inputElements(), "col2im of " + p);
    return run(col2im, new long[] {p.w(), p.h(), (long) p.n() * p.c()}, null, dcol, dx, p.n(), p.c(), p.h(), p.w(),
        p.oh(), p.ow(), p.kh(), p.kw(), p.sh(), p.sw(), p.dilH(), p.dilW(), p.padH(), p.padW(), p.groups());
  }

  /** dst [b][a][p] = src [a][b][p] (+ bias[a] when bias is not null); {@code dummy} stands in for a missing bias. */
  public long swapOuter(ClBuffer src, ClBuffer dst, ClBuffer bias, ClBuffer dummy, int a, int b, int p) {
    index((long) a * b * p, "swap of " + a + "x" + b + "x" + p);
    return run(swap, new long[] {p, b, a}, null, src, dst, bias == null ? dummy : bias, bias == null ? 0 : 1);
  }

  /** Rows of one group's columns: C/G * KH * KW. */
  public static int columnRows(ConvProblem p) {
    return index((long) (p.c() / p.groups()) * p.kh() * p.kw(), "im2col rows of " + p);
  }

  private long run(ClKernel kernel, long[] global, long[] local, Object... args) {
    for (long g : global) {
      if (g == 0) {
        return 0;  // an empty tensor: nothing to compute, and OpenCL refuses empty ranges
      }
    }
    long ns = context.launch(kernel, global, local, profile, args);
    long[] tally = byKernel.computeIfAbsent(kernel.name(), k -> new long[2]);
    tally[0]++;
    tally[1] += Math.max(0, ns);
    return Math.max(0, ns);
  }

  /** The value as a kernel's int index; the kernels index with 32-bit ints, so larger tensors are refused. */
  static int index(long v, String what) {
    if (v > Integer.MAX_VALUE) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.RESOURCE_EXHAUSTED, what + " needs " + v
          + " elements; the OpenCL training kernels index with 32-bit ints (at most " + Integer.MAX_VALUE + ")");
    }
    return (int) v;
  }

  private static int ceil(int a, int b) {
    return (a + b - 1) / b;
  }
}

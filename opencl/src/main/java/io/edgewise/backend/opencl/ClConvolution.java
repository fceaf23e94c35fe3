package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import io.edgewise.tensor.Float16;
import io.edgewise.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One convolution planned on a device: the kernel built for its algorithm and tile parameters, and its weights
 * and bias uploaded once (weights optionally as fp16). Owns its buffers; close() releases them.
 */
public final class ClConvolution implements AutoCloseable {
  private final ClContext context;
  private final ConvProblem problem;
  /** The problem the kernel computes: {@code problem}, or its one-row form (pointwise on DIRECT_VEC). */
  private final ConvProblem p;
  private final ConvAlgorithm algorithm;
  private final TileParams tiles;
  private final ClKernel kernel;
  private final ClBuffer weights;
  private final ClBuffer bias;
  private final ClBuffer dummy;
  private final boolean halfWeights;
  /** DIRECT_VEC: the zero-padded input copy and the kernel that fills it; null otherwise. */
  private final ClBuffer padded;
  private final ClKernel pad;
  private final int padRows;
  private final int padCols;
  /** DIRECT_VEC at stride 1: the output computed over the padded rows laid end to end (conv2d_vec.cl FLAT). */
  private final boolean flat;
  /** What the kernel reads and writes of its buffers, checked before each launch when launch checks are on. */
  private final ClFootprint footprint;

  private ClConvolution(ClContext context, ConvProblem problem, ConvProblem p, ConvAlgorithm algorithm,
      TileParams tiles, ClKernel kernel,
      ClBuffer weights, ClBuffer bias, ClBuffer dummy, ClBuffer padded, ClKernel pad, boolean halfWeights) {
    this.halfWeights = halfWeights;
    this.context = context;
    this.problem = problem;
    this.p = p;
    this.algorithm = algorithm;
    this.tiles = tiles;
    this.kernel = kernel;
    this.weights = weights;
    this.bias = bias;
    this.dummy = dummy;
    this.padded = padded;
    this.pad = pad;
    this.padRows = paddedRows(p);
    this.flat = isFlat(algorithm, p);
    this.padCols = algorithm == ConvAlgorithm.CHANNEL_VEC || flat ? paddedCols(p) : paddedCols(p, tiles);
    this.footprint = ConvFootprints.of(algorithm, p, tiles, halfWeights, flat);
  }

  /**
   * Whether {@link ConvAlgorithm#DIRECT_VEC} runs the problem flat: at stride 1 over several rows (a pointwise
   * convolution already runs as one row, {@link ConvProblem#asRow()}).
   */
  static boolean isFlat(ConvAlgorithm alg, ConvProblem p) {
    return alg == ConvAlgorithm.DIRECT_VEC && p.sh() == 1 && p.sw() == 1 && p.oh() > 1;
  }

  /**
   * Floats of the padded input of a flat convolution: the padded planes plus the slack the last tile reads past
   * the last plane (its lanes past the output are computed, never stored).
   */
  static long flatPaddedFloats(ConvProblem p, TileParams t) {
    int cols = paddedCols(p);
    long planeSize = (long) paddedRows(p) * cols;
    long span = (long) t.lx() * t.cols();
    long lastRead = ceil(p.oh() * cols, (int) span) * span - 1 + (long) (p.kh() - 1) * p.dilH() * cols
        + (long) (p.kw() - 1) * p.dilW();
    return (long) p.n() * p.c() * planeSize + Math.max(0, lastRead + 1 - planeSize);
  }

  /** Columns of the padded input for {@link ConvAlgorithm#CHANNEL_VEC}: every column a tap reads (it clamps). */
  static int paddedCols(ConvProblem p) {
    return Math.max(p.w() + p.padW(), (p.ow() - 1) * p.sw() + (p.kw() - 1) * p.dilW() + 1);
  }

  /** Whether some tap reads outside the input, so that the kernel needs the zero-padded copy. */
  static boolean needsPadding(ConvProblem p) {
    return p.padH() > 0 || p.padW() > 0 || paddedRows(p) > p.h() || paddedCols(p) > p.w();
  }

  /**
   * The weights [K, C, KH, KW] packed for {@link ConvAlgorithm#CHANNEL_VEC}: per block of {@code kt} output
   * channels, per tap, the block's kt weights contiguous (one vector load each), zero past K.
   */
  static float[] packChannelBlocks(float[] w, int k, int taps, int kt) {
    int blocks = ceil(k, kt);
    float[] out = new float[blocks * taps * kt];
    for (int kb = 0; kb < blocks; kb++) {
      for (int tap = 0; tap < taps; tap++) {
        for (int j = 0; j < kt && kb * kt + j < k; j++) {
          out[(kb * taps + tap) * kt + j] = w[(kb * kt + j) * taps + tap];
        }
      }
    }
    return out;
  }

  /** Rows of the padded input: every row a tap reads. */
  static int paddedRows(ConvProblem p) {
    return Math.max(p.h() + p.padH(), (p.oh() - 1) * p.sh() + (p.kh() - 1) * p.dilH() + 1);
  }

  /** Columns of the padded input: every column a full vector of the last tile reads, plus a vector of slack. */
  static int paddedCols(ConvProblem p, TileParams t) {
    int span = ceil(p.ow(), t.lx() * t.cols()) * t.lx() * t.cols();
    return Math.max(p.w() + p.padW(), (span - 1) * p.sw() + (p.kw() - 1) * p.dilW() + 1) + t.lx();
  }

  /**
   * Builds (or loads from the cache) the kernel and uploads the weights [K, C/groups, KH, KW] and the optional bias
   * [K]; with null weights they are passed to each enqueue instead.
   */
  public static ClConvolution create(ClPrograms programs, ConvProblem problem, ConvAlgorithm alg, TileParams tiles,
      float[] w, float[] b, boolean halfWeights) {
    // the vector kernel runs a pointwise convolution as one long row (as a GEMM would, without a second kernel)
    ConvProblem p = alg == ConvAlgorithm.DIRECT_VEC ? problem.asRow() : problem;
    java.util.Map<String, Object> macros = new java.util.HashMap<>(tiles.macros(alg));
    if (alg != ConvAlgorithm.GEMM) {
      macros.put("KH", p.kh());
      macros.put("KW", p.kw());
      macros.put("SH", p.sh());
      macros.put("SW", p.sw());
    }
    if (alg == ConvAlgorithm.CHANNEL_VEC && (w == null || p.groups() != 1)) {
      throw EdgewiseException.invalidArgument("the channel-vector convolution needs constant weights and one group, "
          + "not " + (w == null ? "computed weights" : p.groups() + " groups") + " (" + p + ")");
    }
    if (alg == ConvAlgorithm.CHANNEL_VEC) {
      w = packChannelBlocks(w, p.k(), p.c() * p.kh() * p.kw(), tiles.lx() * tiles.rows());
    }
    if (alg == ConvAlgorithm.DIRECT_VEC || alg == ConvAlgorithm.CHANNEL_VEC) {
      macros.put("DH", p.dilH());
      macros.put("DW", p.dilW());
    }
    if (isFlat(alg, p)) {
      macros.put("FLAT", 1);
    }
    if (halfWeights) {
      macros.put("W_HALF", 1);
    }
    ClContext ctx = programs.context();
    ClKernel kernel = programs.kernel(alg.file, alg.kernel, macros);
    ClBuffer wb = null;
    ClBuffer bb = null;
    ClBuffer dummy = null;
    ClBuffer padded = null;
    try {
      wb = w == null ? null : upload(ctx, w, halfWeights);
      bb = b == null ? null : upload(ctx, b, false);
      dummy = ClBuffer.allocate(ctx, 4);
      ClKernel pad = null;
      if (isFlat(alg, p)) {
        padded = ClBuffer.allocate(ctx, 4L * flatPaddedFloats(p, tiles));
        pad = programs.kernel("ops.cl", "pad2d", java.util.Map.of());
      } else if (alg == ConvAlgorithm.DIRECT_VEC) {
        padded = ClBuffer.allocate(ctx, 4L * p.n() * p.c() * paddedRows(p) * paddedCols(p, tiles));
        pad = programs.kernel("ops.cl", "pad2d", java.util.Map.of());
      } else if (alg == ConvAlgorithm.CHANNEL_VEC && needsPadding(p)) {
        padded = ClBuffer.allocate(ctx, 4L * p.n() * p.c() * paddedRows(p) * paddedCols(p));
        pad = programs.kernel("ops.cl", "pad2d", java.util.Map.of());
      }
      return new ClConvolution(ctx, problem, p, alg, tiles, kernel, wb, bb, dummy, padded, pad, halfWeights);
    } catch (RuntimeException e) {
      for (ClBuffer x : new ClBuffer[] {wb, bb, dummy, padded}) {
        if (x != null) {
          x.close();
        }
      }
      throw e;
    }
  }

  private static ClBuffer upload(ClContext ctx, float[] v, boolean half) {
    ByteBuffer bytes = ByteBuffer.allocateDirect(v.length * (half ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      if (half) {
        bytes.putShort(Float16.fromFloat(f));
      } else {
        bytes.putFloat(f);
      }
    }
    bytes.flip();
    ClBuffer b = ClBuffer.allocate(ctx, bytes.remaining());
    try {
      b.write(bytes);
      return b;
    } catch (RuntimeException e) {
      b.close();
      throw e;
    }
  }

  /** Uploads a float tensor's values (weights, bias) for {@link #create}. */
  public static float[] values(Tensor t) {
    return t == null ? null : t.toFloatArray();
  }

  public ConvProblem problem() {
    return problem;
  }

  /** The weights are stored as fp16 on the device. */
  public boolean halfWeights() {
    return halfWeights;
  }

  public ConvAlgorithm algorithm() {
    return algorithm;
  }

  public TileParams tiles() {
    return tiles;
  }

  /**
   * Enqueues y = act(conv(x) + bias (+ residual)). Activation codes as in kernels/common.cl. Returns the device
   * time in ns when {@code profile} (waiting for it), else -1.
   */
  public long enqueue(ClBuffer x, ClBuffer residual, ClBuffer y, int act, float alpha, float beta, boolean profile) {
    return run(problem, x, weights, bias, residual, y, act, alpha, beta, profile);
  }

  /** As {@link #enqueue(ClBuffer, ClBuffer, ClBuffer, int, float, float, boolean)}, errors naming {@code site}. */
  public long enqueue(Object site, ClBuffer x, ClBuffer residual, ClBuffer y, int act, float alpha, float beta,
      boolean profile) {
    return run(site, x, weights, bias, residual, y, act, alpha, beta, profile);
  }

  /**
   * As {@link #enqueue(Object, ClBuffer, ClBuffer, ClBuffer, int, float, float, boolean)} with weights and bias
   * given per call (fp32 device buffers: a convolution whose weights are computed, not constant); bias may be null.
   */
  public long enqueue(Object site, ClBuffer x, ClBuffer weights, ClBuffer bias, ClBuffer residual, ClBuffer y,
      int act, float alpha, float beta, boolean profile) {
    return run(site, x, weights, bias, residual, y, act, alpha, beta, profile);
  }

  private long run(Object site, ClBuffer x, ClBuffer weights, ClBuffer bias, ClBuffer residual, ClBuffer y, int act,
      float alpha, float beta, boolean profile) {
    int flags = (bias != null ? 1 : 0) | (residual != null ? 2 : 0);
    ClBuffer bArg = bias != null ? bias : dummy;
    ClBuffer rArg = residual != null ? residual : dummy;
    int lx = tiles.lx();
    switch (algorithm) {
      case DIRECT_VEC -> {
        long padNs = context.launch(pad, ConvFootprints.PAD2D, site, new long[] {padCols, padRows,
            (long) p.n() * p.c()}, null, profile, x, padded, p.h(), p.w(), padRows, padCols, p.padH(), p.padW());
        int kBlocks = ceil(p.k() / p.groups(), tiles.rows());
        long[] global = flat ? new long[] {ceil(p.oh() * padCols, lx * tiles.cols()), 1,
            (long) p.n() * p.groups() * kBlocks}
            : new long[] {ceil(p.ow(), lx * tiles.cols()), p.oh(), (long) p.n() * p.groups() * kBlocks};
        // local: an explicit work-group of `block` work-items along x (PoCL specialises the kernel per size);
        // otherwise the driver chooses
        long[] local = tiles.local() && global[0] % tiles.block() == 0 ? new long[] {tiles.block(), 1, 1} : null;
        long ns = context.launch(kernel, footprint, site, global, local, profile, padded, weights, bArg, rArg, y,
            p.c(), padRows, padCols, p.k(), p.oh(), p.ow(), p.groups(), kBlocks, flags, act, alpha, beta);
        return profile ? ns + padNs : -1;
      }
      case CHANNEL_VEC -> {
        if (weights != this.weights) {
          throw EdgewiseException.invalidArgument("the channel-vector convolution " + p + " takes only the weights "
              + "packed when it was planned");
        }
        long padNs = 0;
        ClBuffer in = x;
        int rows = p.h();
        int cols = p.w();
        if (padded != null) {
          padNs = context.launch(pad, ConvFootprints.PAD2D, site, new long[] {padCols, padRows,
              (long) p.n() * p.c()}, null, profile, x, padded, p.h(), p.w(), padRows, padCols, p.padH(), p.padW());
          in = padded;
          rows = padRows;
          cols = padCols;
        }
        int kBlocks = ceil(p.k(), lx * tiles.rows());
        long[] global = {ceil(p.ow(), tiles.cols()), p.oh(), (long) p.n() * kBlocks};
        long[] local = tiles.local() && global[0] % tiles.block() == 0 ? new long[] {tiles.block(), 1, 1} : null;
        long ns = context.launch(kernel, footprint, site, global, local, profile, in, weights, bArg, rArg, y, p.c(),
            rows, cols, p.k(), p.oh(), p.ow(), kBlocks, flags, act, alpha, beta);
        return profile ? ns + padNs : -1;
      }
      case DIRECT -> {
        int kg = p.k() / p.groups();
        int kBlocks = ceil(kg, tiles.rows());
        long[] global = {(long) ceil(p.ow(), lx * tiles.cols()) * lx, p.oh(), (long) p.n() * p.groups() * kBlocks};
        return context.launch(kernel, footprint, site, global, new long[] {lx, 1, 1}, profile, x, weights, bArg,
            rArg, y, p.c(), p.h(), p.w(), p.k(), p.oh(), p.ow(), p.padH(), p.padW(), p.dilH(), p.dilW(), p.groups(),
            kBlocks, flags, act, alpha, beta);
      }
      case GEMM -> {
        int cols = p.oh() * p.ow();
        long[] global = {(long) ceil(cols, lx * tiles.cols()) * lx, ceil(p.k(), tiles.rows()), p.n()};
        return context.launch(kernel, footprint, site, global, new long[] {lx, 1, 1}, profile, weights, x, bArg,
            rArg, y, p.k(), cols, p.c(), p.c(), 1, cols, 1, cols, 1, p.c() * cols, p.k() * cols, flags, act, alpha,
            beta, 1f, 1f);
      }
      default -> {
        long[] global = {(long) ceil(p.ow(), lx * tiles.cols()) * lx, p.oh(), (long) p.n() * p.c()};
        return context.launch(kernel, footprint, site, global, new long[] {lx, 1, 1}, profile, x, weights, bArg,
            rArg, y, p.c(), p.h(), p.w(), p.oh(), p.ow(), p.padH(), p.padW(), p.dilH(), p.dilW(), flags, act, alpha,
            beta);
      }
    }
  }

  static int ceil(int a, int b) {
    return (a + b - 1) / b;
  }

  @Override
  public void close() {
    if (padded != null) {
      padded.close();
    }
    if (weights != null) {
      weights.close();
    }
    if (bias != null) {
      bias.close();
    }
    dummy.close();
  }
}

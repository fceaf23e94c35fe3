package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;

/**
 * The compile-time tile parameters of a convolution kernel: a work-item computes {@code rows} output channels
 * (GEMM rows) by {@code cols} output columns, a work-group is {@code lx} work-items wide, and with
 * {@code local} the work-group stages {@code block} input channels (GEMM: K values) of weights in local memory.
 * Depthwise kernels use only cols and lx. For {@link ConvAlgorithm#DIRECT_VEC} {@code lx} is the vector width
 * (4, 8 or 16), {@code cols} counts vectors, and {@code local} asks for work-groups of {@code block} work-items
 * (else the driver chooses). For {@link ConvAlgorithm#CHANNEL_VEC} {@code lx} is the vector width over output
 * channels, {@code rows} counts such vectors, {@code cols} output columns, and {@code local} asks for work-groups
 * of {@code block} work-items.
 */
public record TileParams(int rows, int cols, int lx, boolean local, int block) {
  public TileParams {
    if (rows < 1 || cols < 1 || lx < 1 || block < 1 || rows > 64 || cols > 16 || lx > 1024) {
      throw EdgewiseException.invalidArgument("tile parameters out of range: " + rows + "x" + cols + ", lx " + lx
          + ", block " + block);
    }
  }

  /**
   * Defaults for a shape: the device's defaults, with the vector width of {@link ConvAlgorithm#DIRECT_VEC}
   * narrowed for narrow outputs (a 7-wide row wastes 9 of 16 lanes). At stride 1 the row is all the output rows laid
   * end to end ({@link ClConvolution#isFlat}), never narrow.
   */
  public static TileParams defaults(ClDevice d, ConvAlgorithm algorithm, ConvProblem p) {
    TileParams t = defaults(d, algorithm);
    if (algorithm != ConvAlgorithm.DIRECT_VEC) {
      return t;
    }
    ConvProblem kp = p.asRow();
    int rows = Math.min(t.rows(), p.channelsPerGroup());  // depthwise: one output channel per work-item
    int width = ClConvolution.isFlat(algorithm, kp) ? kp.oh() * ClConvolution.paddedCols(kp) : kp.ow();
    if (width < t.lx()) {
      int vec = kp.ow() <= 4 ? 4 : 8;
      return new TileParams(Math.min(8, p.channelsPerGroup()), 1, Math.min(vec, t.lx()), false, 1);
    }
    return new TileParams(rows, t.cols(), t.lx(), t.local(), 1);
  }

  /** Defaults from the device's properties: CPUs want SIMD-wide groups and many accumulators; GPUs wide groups. */
  public static TileParams defaults(ClDevice d, ConvAlgorithm algorithm) {
    boolean cpu = d.type().equals("CPU");
    int lx = cpu ? Math.max(8, Math.min(16, d.preferredFloatVectorWidth() * 2)) : 64;
    lx = (int) Math.min(lx, d.maxWorkGroupSize());
    return switch (algorithm) {
      case DIRECT -> new TileParams(4, 2, lx, false, 8);
      // one-work-item groups: PoCL then runs no loop over work-items and keeps the 16 accumulators in registers
      // (64x56x56 3x3 on PoCL, 2 cores: 4x4 in such groups ~360 GFLOP/s, 4x2 in driver-chosen groups ~290)
      case DIRECT_VEC -> new TileParams(4, 4, Math.max(4, Math.min(16, d.preferredFloatVectorWidth())), true, 1);
      case CHANNEL_VEC -> new TileParams(2, 7, Math.max(4, Math.min(16, d.preferredFloatVectorWidth())), true, 1);
      case GEMM -> cpu ? new TileParams(8, 2, lx, false, 64) : new TileParams(4, 2, lx, false, 64);
      case DEPTHWISE -> new TileParams(1, 2, lx, false, 1);
    };
  }

  /** The macros these parameters compile to, for the algorithm's kernel file. */
  public java.util.Map<String, Object> macros(ConvAlgorithm algorithm) {
    return switch (algorithm) {
      case DIRECT -> java.util.Map.of("TILE_OC", rows, "TILE_OW", cols, "LX", lx, "LOCAL_W", local ? 1 : 0, "CB",
          block);
      case GEMM -> java.util.Map.of("TILE_M", rows, "TILE_N", cols, "LX", lx, "LOCAL_A", local ? 1 : 0, "KB", block);
      case DEPTHWISE -> java.util.Map.of("TILE_OW", cols, "LX", lx);
      case DIRECT_VEC -> java.util.Map.of("TILE_OC", rows, "TILE_OW", cols, "VEC", lx);
      case CHANNEL_VEC -> java.util.Map.of("TILE_KV", rows, "TILE_OW", cols, "KV", lx);
    };
  }

  @Override
  public String toString() {
    return rows + "x" + cols + " lx" + lx + (local ? " local" + block : "");
  }

  /** The same tiles with an explicit work-group of {@code size} (DIRECT_VEC). */
  public TileParams withGroup(int size) {
    return new TileParams(rows, cols, lx, true, size);
  }
}

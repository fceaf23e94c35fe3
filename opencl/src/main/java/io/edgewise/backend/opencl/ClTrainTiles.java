package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The compile-time tiles of kernels/train.cl's GEMM: a work-item computes {@code rows} (TILE_M) rows by
 * {@code cols} (TILE_N) columns. With {@code vec} > 0 the columns are vectors of that many floats (gemm_vec: for
 * CPU devices, whose OpenCL compilers do not vectorise across work-items around a loop); with {@code vec} = 0 they
 * are scalars {@code lx} (LX) apart in a work-group of lx (gemm_batched: for GPUs), which {@code localA} lets stage
 * rows x {@code block} (KB) values of A in local memory.
 */
public record ClTrainTiles(int rows, int cols, int vec, int lx, boolean localA, int block) {
  public ClTrainTiles {
    if (rows < 1 || rows > 32 || cols < 1 || cols > 16 || lx < 1 || lx > 1024 || block < 1
        || !(vec == 0 || vec == 2 || vec == 4 || vec == 8 || vec == 16) || (vec > 0 && localA)) {
      throw EdgewiseException.invalidArgument("training GEMM tiles out of range: " + this);
    }
  }

  /**
   * Defaults from the device: CPUs get vectors of the preferred float width (16 with AVX-512: 8 x 2 vectors fill 16
   * of its 32 registers with accumulators; narrower vectors get 4 x 2 for the 16 registers of AVX2), GPUs 4 x 4
   * scalars in work-groups of 64 (or the device's maximum).
   */
  public static ClTrainTiles defaults(ClDevice d) {
    if (d.type().equals("CPU")) {
      int w = d.preferredFloatVectorWidth();
      int vec = w >= 16 ? 16 : w >= 8 ? 8 : 4;
      return new ClTrainTiles(vec == 16 ? 8 : 4, 2, vec, 1, false, 64);
    }
    return new ClTrainTiles(4, 4, 0, (int) Math.min(64, d.maxWorkGroupSize()), false, 64);
  }

  /** Build macros (part of the program cache key). VEC is always defined, so both GEMM kernels compile. */
  public Map<String, Object> macros() {
    Map<String, Object> m = new TreeMap<>();
    m.put("TILE_M", rows);
    m.put("TILE_N", cols);
    m.put("LX", lx);
    m.put("LOCAL_A", localA ? 1 : 0);
    m.put("KB", block);
    m.put("VEC", vec == 0 ? 4 : vec);
    return m;
  }

  @Override
  public String toString() {
    return rows + "x" + cols + (vec > 0 ? " float" + vec : " lx" + lx + (localA ? " local" + block : ""));
  }
}

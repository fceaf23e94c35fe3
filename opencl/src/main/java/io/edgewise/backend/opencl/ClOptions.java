package io.edgewise.backend.opencl;

import java.nio.file.Path;

/**
 * How the OpenCL backend runs: fp16 weight storage (half the weight traffic; results within the fp16 tolerance,
 * not fp32's), where the binary cache and the tuning database are, and whether kernels are profiled one by one
 * (device time per node, at the cost of a wait after each kernel).
 */
public record ClOptions(boolean halfWeights, Path binaryCache, Path tuningDb, boolean profile) {
  /**
   * The default cache and tuning database; fp16 weights when -Dedgewise.opencl.fp16Weights=true or the
   * environment has EDGEWISE_OPENCL_FP16_WEIGHTS=1; profiling when -Dedgewise.opencl.profile=true.
   */
  public static ClOptions defaults() {
    boolean half = Boolean.getBoolean("edgewise.opencl.fp16Weights")
        || "1".equals(System.getenv("EDGEWISE_OPENCL_FP16_WEIGHTS"));
    return new ClOptions(half, ClProgramCache.defaultDirectory(), ClTuningDb.defaultPath(),
        Boolean.getBoolean("edgewise.opencl.profile"));
  }

  /** The tolerance of fp16 weights, relative to the largest output magnitude (fp32 storage gets the model's own). */
  public static final double HALF_WEIGHTS_RELATIVE_TOLERANCE = 1e-2;

  public ClOptions withHalfWeights(boolean h) {
    return new ClOptions(h, binaryCache, tuningDb, profile);
  }

  public ClOptions withTuningDb(Path p) {
    return new ClOptions(halfWeights, binaryCache, p, profile);
  }

  public ClOptions withBinaryCache(Path p) {
    return new ClOptions(halfWeights, p, tuningDb, profile);
  }

  public ClOptions withProfile(boolean p) {
    return new ClOptions(halfWeights, binaryCache, tuningDb, p);
  }
}

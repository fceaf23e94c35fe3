package io.edgewise.backend.opencl;

import java.nio.file.Path;

/**
 * How the OpenCL backend runs: fp16 weight storage (half the weight traffic; results within the fp16 tolerance,
 * not fp32's), where the binary cache and the tuning database are, and whether kernels are profiled one by one
 * (device time per node, at the cost of a wait after each kernel).
 */
public record ClOptions(boolean halfWeights, Path binaryCache, Path tuningDb, boolean profile) {
  /** fp32, the default cache and tuning database; profiling when -Dedgewise.opencl.profile=true. */
  public static ClOptions defaults() {
    return new ClOptions(false, ClProgramCache.defaultDirectory(), ClTuningDb.defaultPath(),
        Boolean.getBoolean("edgewise.opencl.profile"));
  }

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

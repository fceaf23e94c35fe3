package io.edgewise.backend.reference.ops;

import io.edgewise.backend.reference.OpRegistry;

/** Reference kernels (to be filled in). */
public final class PoolOps {
  private PoolOps() {}

  public static void register(OpRegistry r) {}
}

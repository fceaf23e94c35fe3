package io.edgewise.backend.exec;

import io.edgewise.tensor.Tensor;

/**
 * One operator of the reference backend. Kernels are stateless and thread-safe.
 */
@FunctionalInterface
public interface OpKernel {
  /**
   * Computes the node. {@code inputs[i]} is null where the node omits optional input i; inputs are borrowed and
   * must not be closed. Returns one tensor per node output (null for an optional output the node does not ask
   * for, i.e. whose name is ""); the caller owns them.
   */
  Tensor[] compute(OpContext ctx, Tensor[] inputs);
}

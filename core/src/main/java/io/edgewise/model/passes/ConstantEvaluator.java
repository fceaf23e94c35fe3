package io.edgewise.model.passes;

import io.edgewise.model.Node;
import io.edgewise.tensor.Tensor;

/**
 * Computes one node on constant inputs, for constant folding. It comes from above (the runtime hands in the
 * reference backend's kernels), so the model layer does not depend on any backend.
 */
@FunctionalInterface
public interface ConstantEvaluator {
  /** Inputs are borrowed (null where omitted); the results are new tensors owned by the caller. */
  Tensor[] evaluate(Node node, Tensor[] inputs, int opset);
}

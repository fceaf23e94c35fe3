package io.edgewise.train.ops;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.model.Node;
import io.edgewise.train.TrainingKernels;
import java.util.Map;

/**
 * One node's call: the node, the model's opset, the device kernels, whether the graph runs in training mode
 * (batch statistics for batch normalization), and the integer constants (Reshape's shape) the graph holds.
 */
public record OpCall(Node node, int opset, TrainingKernels kernels, boolean training, boolean updateRunningStats,
    Map<String, long[]> intConstants) {

  public EdgewiseException invalid(String what) {
    return EdgewiseException.invalidModel(node.describe() + ": " + what);
  }

  public EdgewiseException notImplemented(String what) {
    return EdgewiseException.notImplemented(node.describe() + ": " + what + " is not supported in training");
  }

  /** The reference backend's context for the same node, to reuse its attribute parsing (ConvGeometry). */
  OpContext referenceContext() {
    return new OpContext(node, opset, BackendOptions.defaults());
  }

  /** A constant integer input (Reshape's shape), or null when the input is computed. */
  long[] intConstant(int index) {
    return intConstants.get(node.input(index));
  }
}

package io.edgewise.backend.opencl;

import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/** What a device op sees of one node execution: its inputs (moved to the device on request) and the run's means. */
public interface NodeArgs {
  Node node();

  int opset();

  /** False for an omitted optional input. */
  boolean present(int i);

  Shape shape(int i);

  DType dtype(int i);

  /** The input as a device tensor (uploaded, or wrapped zero-copy, if it is on the host); borrowed. */
  DeviceTensor device(int i);

  /** The input's value if it is a constant (an initializer), else null. */
  Tensor constant(int i);

  /** A device tensor from the run's pool; the caller owns it (returns it as a node output or releases it). */
  DeviceTensor allocate(Shape shape);

  ClPrograms programs();

  /**
   * The kernel and tiles for a convolution: the tuning database's winner, or the device's defaults; with computed
   * weights only a kernel that reads them as they are.
   */
  ConvChoice conv(ConvProblem p, boolean constantWeights);

  /** Weights stored as fp16 on the device. */
  boolean halfWeights();

  /** Launch kernels with profiling events (waiting for each) and report device time. */
  boolean profile();

  void addDeviceNanos(long nanos);
}

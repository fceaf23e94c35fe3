package io.edgewise.backend;

import io.edgewise.tensor.Tensor;
import java.util.Map;

/** A compiled graph. run() is thread-safe: it keeps no state between calls. */
public interface Executable extends AutoCloseable {
  /**
   * Runs the graph. Inputs are borrowed (the caller keeps owning them); the returned tensors are new and owned by
   * the caller, keyed by graph output name in graph order.
   */
  Map<String, Tensor> run(Map<String, Tensor> inputs);

  /** Time per op type over the runs so far, or null when this executable does not measure it. */
  default OpProfile profile() {
    return null;
  }

  /** Per-layer measured and modeled figures of the layers a device ran itself (empty when it reports none). */
  default java.util.List<LayerFigures> layerFigures() {
    return java.util.List.of();
  }

  /**
   * Where each node runs (device, and why where it fell back to another device's kernel), in node order; empty when
   * the executable runs the whole graph as one unit (ONNX Runtime), which the session reports as every node on its
   * device.
   */
  default java.util.List<NodePlacement> placement() {
    return java.util.List.of();
  }

  @Override
  default void close() {}
}

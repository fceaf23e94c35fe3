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

  @Override
  default void close() {}
}

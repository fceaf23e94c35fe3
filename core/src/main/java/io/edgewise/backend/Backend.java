package io.edgewise.backend;

import io.edgewise.model.Model;
import io.edgewise.model.Node;

/**
 * The device SPI: which ops a device runs and how a model (or a subgraph cut from one) becomes an
 * {@link Executable}. A backend owns its device objects and releases them in close().
 */
public interface Backend extends AutoCloseable {
  Device device();

  /** null when this backend can run the node at the given default-domain opset, else why not. */
  String unsupportedReason(Node node, int opset);

  /**
   * Prepares the model's graph for repeated execution. The model stays owned by the caller and must outlive the
   * executable.
   */
  Executable compile(Model model, BackendOptions options);

  @Override
  default void close() {}
}

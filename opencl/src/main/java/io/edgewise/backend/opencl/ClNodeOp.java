package io.edgewise.backend.opencl;

/**
 * A node's implementation on an OpenCL device. It may keep per-shape state (a planned convolution with its
 * uploaded weights), released by close().
 */
public interface ClNodeOp extends AutoCloseable {
  /**
   * Enqueues the node and returns its outputs (owned by the caller), or null, having allocated nothing, when these
   * particular inputs (dtype, rank, a non-constant weight) need the host fallback.
   */
  DeviceTensor[] run(NodeArgs args);

  @Override
  default void close() {}
}

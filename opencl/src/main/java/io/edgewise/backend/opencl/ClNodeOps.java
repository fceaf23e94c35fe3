package io.edgewise.backend.opencl;

import io.edgewise.model.Node;

/** Which nodes have an OpenCL implementation, and a fresh one per node. */
final class ClNodeOps {
  private ClNodeOps() {}

  /** A new device op for the node, or null when it runs on the host fallback. */
  static ClNodeOp forNode(Node node) {
    String op = node.opType();
    if (node.domain().equals("io.edgewise")) {
      return op.equals("FusedConv") ? new ConvNodeOp(true) : null;
    }
    if (!node.domain().isEmpty()) {
      return null;
    }
    if (op.equals("Conv")) {
      return new ConvNodeOp(false);
    }
    if (op.equals("MaxPool") || op.equals("AveragePool") || op.equals("GlobalAveragePool")) {
      return new PoolNodeOp(op);
    }
    if (op.equals("Gemm")) {
      return new GemmNodeOp();
    }
    if (ElementwiseNodeOp.handles(op)) {
      return new ElementwiseNodeOp(op);
    }
    if (ShapeNodeOps.handles(op)) {
      return ShapeNodeOps.of(op);
    }
    return null;
  }
}

package io.edgewise.backend;

import io.edgewise.model.Node;

/**
 * Where one node of a compiled graph runs: the device whose kernel computes it, and, where that is not the session's
 * own device, why (the device has no kernel for the op, or its kernel declined the inputs a run gave it: another
 * dtype or rank, a shape its tiles do not take).
 *
 * @param node the node's name (its first output where it has no name)
 * @param op the op type, qualified by domain outside the default one ("io.edgewise.nchwc.Conv")
 * @param device the device whose kernel runs it ("ref" for the reference kernels)
 * @param fallbackReason null when the session's own device runs it, else why another kernel does
 */
public record NodePlacement(String node, String op, String device, String fallbackReason) {
  /**
   * Node n on {@code device} in a session of {@code sessionDevice}: a fallback, where the two differ, because the
   * session's device has no kernel for the op.
   */
  public static NodePlacement of(Node n, String device, String sessionDevice) {
    return new NodePlacement(n.label(), n.qualifiedOpType(), device,
        device.equals(sessionDevice) ? null : "no " + sessionDevice + " kernel for " + n.qualifiedOpType());
  }

  /** Whether the node runs on a kernel other than the session device's own. */
  public boolean fellBack() {
    return fallbackReason != null;
  }

  @Override
  public String toString() {
    return node + " (" + op + ") on " + device + (fellBack() ? ": " + fallbackReason : "");
  }
}

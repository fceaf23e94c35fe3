package io.edgewise.adapt;

/**
 * Chooses where to split a model between device and peer for each request, and learns from what it observed.
 * Arms are the indices of a list of cut points fixed at construction; by convention the last arm is all-local.
 */
public interface PartitionPolicy {
  String name();

  /** The arm for request number {@code step} (0-based, increasing). */
  int choose(int step);

  /**
   * What the chosen arm cost, measured: the device's own part and the remote part (transfer, peer queueing and
   * compute, and the answer's way back; 0 for all-local).
   */
  void observe(int arm, double localMs, double remoteMs);
}

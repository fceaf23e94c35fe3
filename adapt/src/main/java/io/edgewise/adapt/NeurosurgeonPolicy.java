package io.edgewise.adapt;

import io.edgewise.EdgewiseException;

/**
 * Neurosurgeon-style static partitioning (Kang et al., ASPLOS 2017): from per-layer latency profiles of both sides
 * and a bandwidth estimate taken once, pick argmin over cuts of device time + transfer time + peer time, and keep
 * it. It does not learn: when bandwidth or peer load change after profiling, its choice goes stale (which is what
 * ANS improves on).
 */
public final class NeurosurgeonPolicy implements PartitionPolicy {
  private final int choice;
  private final double[] predictedMs;

  /**
   * @param deviceMs per arm: the device's time for the layers before the cut (profiled)
   * @param peerMs per arm: the peer's time for the layers after it (profiled; 0 for all-local)
   * @param bytes per arm: bytes sent across the cut (0 for all-local)
   * @param bytesPerMs the link's estimated bandwidth
   * @param rttMs the link's estimated round-trip time (paid by every arm but all-local)
   */
  public NeurosurgeonPolicy(double[] deviceMs, double[] peerMs, long[] bytes, double bytesPerMs, double rttMs) {
    int n = deviceMs.length;
    if (peerMs.length != n || bytes.length != n || n == 0 || !(bytesPerMs > 0)) {
      throw EdgewiseException.invalidArgument("NeurosurgeonPolicy: profiles of " + n + "/" + peerMs.length + "/"
          + bytes.length + " arms and bandwidth " + bytesPerMs + " B/ms");
    }
    predictedMs = new double[n];
    for (int a = 0; a < n; a++) {
      boolean local = a == n - 1;
      predictedMs[a] = deviceMs[a] + (local ? 0 : rttMs + bytes[a] / bytesPerMs + peerMs[a]);
    }
    int best = n - 1;
    for (int a = 0; a < n; a++) {
      if (predictedMs[a] < predictedMs[best]) {
        best = a;
      }
    }
    choice = best;
  }

  /** The model's latency per arm under the profiled conditions (modeled, not measured). */
  public double[] predictedMs() {
    return predictedMs.clone();
  }

  @Override
  public String name() {
    return "neurosurgeon";
  }

  @Override
  public int choose(int step) {
    return choice;
  }

  @Override
  public void observe(int arm, double localMs, double remoteMs) {}
}

package io.edgewise.serve.pipeline;

import java.util.Set;

/**
 * A placement fixed per stage: the baselines (every stage on the device, every stage on the peer) and each of the
 * 2^stages placements an oracle sweeps to find a job's best.
 */
public final class FixedPlacement implements StagePolicy {
  private final String name;
  private final Set<String> onPeer;

  private FixedPlacement(String name, Set<String> onPeer) {
    this.name = name;
    this.onPeer = Set.copyOf(onPeer);
  }

  /** Every stage on the peer (the "cloud-only" baseline; the glue between stages stays on the device). */
  public static FixedPlacement peerOnly(Set<String> stages) {
    return new FixedPlacement("peer-only", stages);
  }

  /** The named stages on the peer, the others on the device. */
  public static FixedPlacement of(Set<String> onPeer) {
    return new FixedPlacement(onPeer.isEmpty() ? "device-only" : "peer:" + String.join("+", onPeer.stream()
        .sorted().toList()), onPeer);
  }

  @Override
  public Placement place(StageCall call) {
    return onPeer.contains(call.stage()) ? Placement.PEER : Placement.DEVICE;
  }

  @Override
  public String name() {
    return name;
  }
}

package io.edgewise.adapt;

/** The baselines: always the same arm (all-local, all-remote, or one static cut). Learns nothing. */
public final class FixedPartition implements PartitionPolicy {
  private final String name;
  private final int arm;

  public FixedPartition(String name, int arm) {
    this.name = name;
    this.arm = arm;
  }

  /** Everything on the device: the last arm. */
  public static FixedPartition allLocal(int arms) {
    return new FixedPartition("all-local", arms - 1);
  }

  /** Everything on the peer: arm 0 (the cut before the first node). */
  public static FixedPartition allRemote() {
    return new FixedPartition("all-remote", 0);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int choose(int step) {
    return arm;
  }

  @Override
  public void observe(int arm, double localMs, double remoteMs) {}
}

package io.edgewise.adapt.cosched;

/** Baseline: requests go to the groups in turn, whatever their model, skipping a group that cannot run it. */
public final class RoundRobin implements CoschedPolicy {
  private final Profile profile;
  private int next;

  public RoundRobin(Profile profile) {
    this.profile = profile;
  }

  @Override
  public String name() {
    return "round robin";
  }

  @Override
  public int choose(int model, NodeState state) {
    int groups = profile.groups();
    for (int k = 0; k < groups; k++) {
      int g = (next + k) % groups;
      if (profile.runs(model, g)) {
        next = (g + 1) % groups;
        return g;
      }
    }
    throw new IllegalStateException("model " + model + " runs on no group");  // Profile rejects that
  }
}

package io.edgewise.adapt.cosched;

/**
 * Baseline: each request goes to the group with the fewest requests waiting or running (ties: the lower index),
 * among the groups that can run its model; what a load balancer does without knowing service times.
 */
public final class LeastLoaded implements CoschedPolicy {
  private final Profile profile;

  public LeastLoaded(Profile profile) {
    this.profile = profile;
  }

  @Override
  public String name() {
    return "least loaded";
  }

  @Override
  public int choose(int model, NodeState state) {
    int best = -1;
    for (int g = 0; g < profile.groups(); g++) {
      if (profile.runs(model, g) && (best < 0 || state.queued(g) < state.queued(best))) {
        best = g;
      }
    }
    return best;
  }
}

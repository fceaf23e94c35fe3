package io.edgewise.adapt.cosched;

import java.util.function.IntToDoubleFunction;

/**
 * Baseline: the greedy list scheduler of HEFT-like runtimes. Each request goes to the group where it would finish
 * first if every request took its solo time from the profile: the backlog (the running request's remaining solo time
 * plus the queued requests' solo times) plus its own solo time there. It knows queues but not contention: two groups
 * that share cores are assumed to run as fast side by side as alone.
 */
public final class EarliestFinish implements CoschedPolicy {
  private final Profile profile;

  public EarliestFinish(Profile profile) {
    this.profile = profile;
  }

  @Override
  public String name() {
    return "earliest finish";
  }

  @Override
  public int choose(int model, NodeState state) {
    int best = -1;
    double bestFinish = Double.POSITIVE_INFINITY;
    for (int g = 0; g < profile.groups(); g++) {
      if (!profile.runs(model, g)) {
        continue;
      }
      double finish = backlogMs(profile, state, g) + profile.soloMs(model, g);
      if (finish < bestFinish) {
        bestFinish = finish;
        best = g;
      }
    }
    return best;
  }

  /** The solo-time work queued on {@code group}: what remains of the running request, then every waiting one. */
  static double backlogMs(Profile profile, NodeState state, int group) {
    return backlogMs(state, group, m -> profile.soloMs(m, group));
  }

  /**
   * The work queued on {@code group} when model m takes {@code msOf(m)} there: every waiting request, less what the
   * running one has already done.
   */
  static double backlogMs(NodeState state, int group, IntToDoubleFunction msOf) {
    double ms = 0;
    for (int m = 0; m < state.models(); m++) {
      int n = state.queued(group, m);
      if (n > 0) {
        ms += n * msOf.applyAsDouble(m);
      }
    }
    if (state.busy(group)) {
      ms -= Math.min(state.runningMs(group), msOf.applyAsDouble(state.running(group)));
    }
    return ms;
  }
}

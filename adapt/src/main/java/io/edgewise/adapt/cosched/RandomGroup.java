package io.edgewise.adapt.cosched;

import java.util.Random;

/** Baseline: each request on a group drawn uniformly (seeded) among those that can run its model. */
public final class RandomGroup implements CoschedPolicy {
  private final Profile profile;
  private final Random random;

  public RandomGroup(Profile profile, long seed) {
    this.profile = profile;
    this.random = new Random(seed);
  }

  @Override
  public String name() {
    return "random";
  }

  @Override
  public int choose(int model, NodeState state) {
    int n = 0;
    for (int g = 0; g < profile.groups(); g++) {
      n += profile.runs(model, g) ? 1 : 0;
    }
    int k = random.nextInt(n);
    for (int g = 0; g < profile.groups(); g++) {
      if (profile.runs(model, g) && k-- == 0) {
        return g;
      }
    }
    throw new IllegalStateException("model " + model + " runs on no group");  // Profile rejects that
  }
}

package io.edgewise.adapt.cosched;

import io.edgewise.EdgewiseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Baseline: each model always on the same group (a static placement, as a user pins models to devices). {@link
 * #all} enumerates the placements a sweep measures to find the best one.
 */
public final class FixedPlacement implements CoschedPolicy {
  private final int[] groupOf;
  private final String name;

  /** @param groupOf per model, its group */
  public FixedPlacement(int[] groupOf, String name) {
    if (groupOf.length == 0) {
      throw EdgewiseException.invalidArgument("FixedPlacement: no models");
    }
    this.groupOf = groupOf.clone();
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int choose(int model, NodeState state) {
    return groupOf[model];
  }

  public int[] placement() {
    return groupOf.clone();
  }

  /**
   * Every model-to-group assignment the profile allows, less those that differ only by swapping interchangeable
   * groups: groups with the same {@code kind} (e.g. two 1-thread cpu groups) are used in index order, so {A on cpu#1}
   * is left out as the same as {A on cpu#0}.
   *
   * @param kind per group, a label; equal labels mark interchangeable groups
   */
  public static List<int[]> all(Profile profile, List<String> kind) {
    if (kind.size() != profile.groups()) {
      throw EdgewiseException.invalidArgument("FixedPlacement.all: " + kind.size() + " kinds for "
          + profile.groups() + " groups");
    }
    List<int[]> out = new ArrayList<>();
    int[] a = new int[profile.models()];
    enumerate(profile, kind, a, 0, out);
    return out;
  }

  private static void enumerate(Profile profile, List<String> kind, int[] a, int m, List<int[]> out) {
    if (m == a.length) {
      if (canonical(a, kind)) {
        out.add(a.clone());
      }
      return;
    }
    for (int g = 0; g < profile.groups(); g++) {
      if (profile.runs(m, g)) {
        a[m] = g;
        enumerate(profile, kind, a, m + 1, out);
      }
    }
  }

  /** Within each kind, the groups appear (in model order) in index order: the first one used is the lowest, ... */
  private static boolean canonical(int[] a, List<String> kind) {
    boolean[] seen = new boolean[kind.size()];
    for (int g : a) {
      if (seen[g]) {
        continue;
      }
      for (int h = 0; h < g; h++) {
        if (!seen[h] && kind.get(h).equals(kind.get(g))) {
          return false;  // a lower group of the same kind is still unused: the swapped placement is the canonical one
        }
      }
      seen[g] = true;
    }
    return true;
  }

  @Override
  public String toString() {
    return name + Arrays.toString(groupOf);
  }
}

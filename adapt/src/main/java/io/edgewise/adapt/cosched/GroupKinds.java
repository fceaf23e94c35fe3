package io.edgewise.adapt.cosched;

import java.util.ArrayList;
import java.util.List;

/**
 * Interchangeable groups (two `cpu/1` groups of one node) counted as one kind: what the bandit learns per kind and
 * what the group-set search leaves off a group of a kind at a time share this numbering.
 */
final class GroupKinds {
  private GroupKinds() {}

  /** Each group's kind, numbered in order of first appearance; with no names, every group is a kind of its own. */
  static int[] of(List<String> kinds, int groups) {
    List<String> names = new ArrayList<>();
    int[] kindOf = new int[groups];
    for (int g = 0; g < groups; g++) {
      String k = kinds == null ? "#" + g : kinds.get(g);
      if (!names.contains(k)) {
        names.add(k);
      }
      kindOf[g] = names.indexOf(k);
    }
    return kindOf;
  }

  /** How many kinds a numbering from {@link #of} holds. */
  static int count(int[] kindOf) {
    int max = -1;
    for (int k : kindOf) {
      max = Math.max(max, k);
    }
    return max + 1;
  }
}

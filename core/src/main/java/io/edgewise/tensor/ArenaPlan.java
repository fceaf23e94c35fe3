package io.edgewise.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Offsets in one arena for the tensors of a recorded run, as TensorFlow Lite's greedy-by-size planner places them:
 * largest first, each at the lowest offset where it overlaps no tensor already placed whose lifetime overlaps its
 * own. Tensors that outlive the run (graph outputs) get no offset. Immutable.
 */
final class ArenaPlan {
  /** Offsets are multiples of this (the native allocator's alignment). */
  static final long ALIGNMENT = 64;

  private final long[] sizes;
  private final long[] offsets;  // -1: not in the arena (outlives the run)
  private final long arenaBytes;

  private ArenaPlan(long[] sizes, long[] offsets, long arenaBytes) {
    this.sizes = sizes;
    this.offsets = offsets;
    this.arenaBytes = arenaBytes;
  }

  /**
   * Plans the allocations of a run: allocation i of sizes[i] bytes is live over [born[i], died[i]) in event order;
   * died[i] < 0: it outlived the run.
   */
  static ArenaPlan of(long[] sizes, int[] born, int[] died) {
    int n = sizes.length;
    long[] offsets = new long[n];
    Arrays.fill(offsets, -1);
    int[][] overlapping = overlaps(born, died);
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingLong((Integer i) -> -sizes[i]).thenComparingInt(i -> i));
    boolean[] placed = new boolean[n];
    long arena = 0;
    List<long[]> busy = new ArrayList<>();
    for (int i : order) {
      if (died[i] < 0) {
        continue;
      }
      long size = aligned(sizes[i]);
      // the placed tensors alive at the same time, by offset: take the first gap that fits
      busy.clear();
      for (int j : overlapping[i]) {
        if (placed[j]) {
          busy.add(new long[] {offsets[j], offsets[j] + aligned(sizes[j])});
        }
      }
      long at = firstFit(busy, size);
      offsets[i] = at;
      arena = Math.max(arena, at + size);
      placed[i] = true;
    }
    return new ArenaPlan(sizes.clone(), offsets, arena);
  }

  /** The lowest offset where size bytes overlap none of the busy [start, end) ranges (sorted here by start). */
  static long firstFit(List<long[]> busy, long size) {
    busy.sort(Comparator.comparingLong(r -> r[0]));
    long at = 0;
    for (long[] r : busy) {
      if (r[0] - at >= size) {
        break;
      }
      at = Math.max(at, r[1]);
    }
    return at;
  }

  /**
   * For each allocation in the arena (died >= 0), the others whose lifetimes [born, died) overlap its own, found by
   * one sweep in birth order: O(n log n + overlapping pairs). (Testing every placed allocation against each new one
   * was O(n^2): a run of 100,000 small nodes took a minute to plan.)
   */
  private static int[][] overlaps(int[] born, int[] died) {
    int n = born.length;
    List<List<Integer>> pairs = new ArrayList<>(n);
    Integer[] byBirth = new Integer[n];
    for (int i = 0; i < n; i++) {
      pairs.add(new ArrayList<>(2));
      byBirth[i] = i;
    }
    Arrays.sort(byBirth, Comparator.comparingInt((Integer i) -> born[i]).thenComparingInt(i -> i));
    // alive: allocations born so far whose lifetime has not ended, by the end of their lifetime
    java.util.PriorityQueue<Integer> alive = new java.util.PriorityQueue<>(Comparator.comparingInt(i -> died[i]));
    for (int i : byBirth) {
      if (died[i] < 0) {
        continue;
      }
      while (!alive.isEmpty() && died[alive.peek()] <= born[i]) {
        alive.poll();
      }
      for (int j : alive) {
        if (born[j] < died[i] && born[i] < died[j]) {
          pairs.get(i).add(j);
          pairs.get(j).add(i);
        }
      }
      alive.add(i);
    }
    int[][] out = new int[n][];
    for (int i = 0; i < n; i++) {
      out[i] = pairs.get(i).stream().mapToInt(Integer::intValue).toArray();
    }
    return out;
  }

  static long aligned(long bytes) {
    return (Math.max(bytes, 1) + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  }

  int steps() {
    return sizes.length;
  }

  long size(int step) {
    return sizes[step];
  }

  /** The step's offset in the arena, or -1 when it outlives the run. */
  long offset(int step) {
    return offsets[step];
  }

  long arenaBytes() {
    return arenaBytes;
  }
}

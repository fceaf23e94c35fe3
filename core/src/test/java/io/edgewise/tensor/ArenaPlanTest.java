package io.edgewise.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NativeLeakGuard.class)
class ArenaPlanTest {
  @Test
  void aChainOfLayersPingPongsBetweenTwoSlots() {
    // x0 -> x1 -> x2 -> x3: each tensor dies when the next-but-one is born; sizes 1000, 600, 1000, 600
    long[] sizes = {1000, 600, 1000, 600};
    int[] born = {0, 1, 3, 5};
    int[] died = {2, 4, 6, 7};
    ArenaPlan p = ArenaPlan.of(sizes, born, died);
    // the two 1000-byte tensors never live together: both at 0; the 600-byte ones above them (1024 aligned)
    assertEquals(0, p.offset(0));
    assertEquals(0, p.offset(2));
    assertEquals(1024, p.offset(1));
    assertEquals(1024, p.offset(3));
    assertEquals(1024 + 640, p.arenaBytes());
  }

  @Test
  void tensorsAliveTogetherNeverOverlapAndOutputsStayOut() {
    long[] sizes = {64, 4096, 100, 5000, 64, 4096};
    int[] born = {0, 1, 2, 3, 6, 8};
    int[] died = {9, 4, 5, 7, 10, -1};  // the last outlives the run (an output)
    ArenaPlan p = ArenaPlan.of(sizes, born, died);
    assertEquals(-1, p.offset(5));
    for (int i = 0; i < 5; i++) {
      assertEquals(0, p.offset(i) % ArenaPlan.ALIGNMENT);
      assertTrue(p.offset(i) + ArenaPlan.aligned(sizes[i]) <= p.arenaBytes());
      for (int j = i + 1; j < 5; j++) {
        boolean together = born[i] < died[j] && born[j] < died[i];
        boolean overlap = p.offset(i) < p.offset(j) + ArenaPlan.aligned(sizes[j])
            && p.offset(j) < p.offset(i) + ArenaPlan.aligned(sizes[i]);
        assertTrue(!(together && overlap), "tensors " + i + " and " + j + " share memory while both alive");
      }
    }
    // the largest goes first, at 0; 4096 is alive with it, above it; the 100 bytes fit nowhere lower than 5000+4096
    assertEquals(0, p.offset(3));
  }

  /**
   * The sweep that lists the overlapping lifetimes (O(n log n + pairs)) places every allocation where the plain
   * search over all placed ones (O(n^2), which took a minute on a 100,000-node chain) put it.
   */
  @Test
  void placesEachAllocationWhereTheQuadraticSearchDid() {
    Random rnd = new Random(19);
    for (int round = 0; round < 20; round++) {
      int n = 1 + rnd.nextInt(400);
      long[] sizes = new long[n];
      int[] born = new int[n];
      int[] died = new int[n];
      for (int i = 0; i < n; i++) {
        sizes[i] = rnd.nextInt(8) == 0 ? 0 : 1 + rnd.nextInt(rnd.nextBoolean() ? 100 : 100_000);
        born[i] = rnd.nextInt(2 * n);
        died[i] = rnd.nextInt(10) == 0 ? -1 : born[i] + rnd.nextInt(rnd.nextBoolean() ? 3 : n);
      }
      ArenaPlan p = ArenaPlan.of(sizes, born, died);
      long[] expected = quadraticOffsets(sizes, born, died);
      long arena = 0;
      for (int i = 0; i < n; i++) {
        assertEquals(expected[i], p.offset(i), "round " + round + ", allocation " + i);
        arena = Math.max(arena, expected[i] < 0 ? 0 : expected[i] + ArenaPlan.aligned(sizes[i]));
      }
      assertEquals(arena, p.arenaBytes());
    }
  }

  /**
   * The greedy-by-size placement as it was first written: each placed allocation tested against each new one (the
   * first-fit search over the busy ranges is the plan's own).
   */
  private static long[] quadraticOffsets(long[] sizes, int[] born, int[] died) {
    int n = sizes.length;
    long[] offsets = new long[n];
    java.util.Arrays.fill(offsets, -1);
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, Comparator.comparingLong((Integer i) -> -sizes[i]).thenComparingInt(i -> i));
    List<Integer> placed = new ArrayList<>();
    for (int i : order) {
      if (died[i] < 0) {
        continue;
      }
      long size = ArenaPlan.aligned(sizes[i]);
      List<long[]> busy = new ArrayList<>();
      for (int j : placed) {
        if (born[j] < died[i] && born[i] < died[j]) {
          busy.add(new long[] {offsets[j], offsets[j] + ArenaPlan.aligned(sizes[j])});
        }
      }
      offsets[i] = ArenaPlan.firstFit(busy, size);
      placed.add(i);
    }
    return offsets;
  }
}

package io.edgewise.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

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
}

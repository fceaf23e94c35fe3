package io.edgewise.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.nativecore.NativeCore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NativeLeakGuard.class)
class MemoryPoolTest {
  @Test
  void sizeClassesArePowersOfTwo() {
    assertEquals(64, MemoryPool.sizeClass(1));
    assertEquals(64, MemoryPool.sizeClass(64));
    assertEquals(128, MemoryPool.sizeClass(65));
    assertEquals(1 << 20, MemoryPool.sizeClass(1 << 20));
    assertEquals(8 << 20, MemoryPool.sizeClass(96L * 112 * 112 * 4));  // MobileNetV2's widest activation
  }

  @Test
  void neighbouringSizesShareTheMostRecentlyFreedBuffer() {
    try (MemoryPool pool = new MemoryPool(1L << 30)) {
      long a = pool.take(3000, false);
      long b = pool.take(4000, false);
      pool.give(a, 3000);
      pool.give(b, 4000);
      // both are 4096-byte buffers: a 2500-byte tensor gets the one freed last, still in cache
      assertEquals(b, pool.take(2500, true));
      assertEquals(a, pool.take(4096, false));
      // a different class never takes them
      long c = pool.take(5000, false);
      assertNotEquals(a, c);
      assertNotEquals(b, c);
      pool.give(c, 5000);
      pool.give(a, 4096);
      pool.give(b, 2500);
      assertEquals(2 * 4096 + 8192, pool.pooledBytes());
    }
  }

  @Test
  void aRepeatedSequenceAllocatesOnlyInItsFirstRound() {
    long[] sizes = {802816, 1605632, 4816896, 1204224, 401408, 1806336, 1806336, 401408};
    try (MemoryPool pool = new MemoryPool(1L << 30)) {
      long afterFirst = 0;
      for (int round = 0; round < 4; round++) {
        // a chain: each tensor lives while the next one is computed
        long previous = 0;
        long previousBytes = 0;
        for (long bytes : sizes) {
          long next = pool.take(bytes, false);
          if (previous != 0) {
            pool.give(previous, previousBytes);
          }
          previous = next;
          previousBytes = bytes;
        }
        pool.give(previous, previousBytes);
        if (round == 0) {
          afterFirst = NativeCore.allocationCount();
        }
      }
      assertEquals(afterFirst, NativeCore.allocationCount(), "allocations after the first round");
    }
  }

  @Test
  void aClosedPoolFreesWhatComesBack() {
    MemoryPool pool = new MemoryPool(1L << 30);
    long a = pool.take(1000, false);
    long before = NativeCore.allocatedBytes();
    pool.close();
    pool.give(a, 1000);
    assertEquals(0, pool.pooledBytes());
    assertEquals(before - 1024, NativeCore.allocatedBytes());
  }

  /** One run of a chain: x (given), then tensors of these sizes, each released once the next exists. */
  private static long[] chain(MemoryPool pool, long... sizes) {
    return keyedChain(pool, null, sizes);
  }

  /** As {@link #chain(MemoryPool, long...)}, a run of kind {@code key} (null: the pool's unkeyed runs). */
  private static long[] keyedChain(MemoryPool pool, Object key, long... sizes) {
    long[] addresses = new long[sizes.length];
    try (MemoryPool.Use run = key == null ? pool.use() : pool.use(key)) {
      for (int i = 0; i < sizes.length; i++) {
        addresses[i] = pool.take(sizes[i], false);
        if (i > 0) {
          pool.give(addresses[i - 1], sizes[i - 1]);
        }
      }
      pool.give(addresses[sizes.length - 1], sizes[sizes.length - 1]);
    }
    return addresses;
  }

  @Test
  void laterRunsReplayTheFirstRunInOneArena() {
    try (MemoryPool pool = new MemoryPool(1L << 30)) {
      chain(pool, 4_000_000, 1_000_000, 3_000_000, 1_000_000);
      // greedy by size: 4 MB at 0; 3 MB (born after it died) at 0 too; 1 MB alive with both above 4 MB; the last
      // 1 MB, alive only with the 3 MB one, at 3 MB
      assertEquals(5_000_000, pool.arenaBytes());
      long before = NativeCore.allocationCount();
      long[] a = chain(pool, 4_000_000, 1_000_000, 3_000_000, 1_000_000);
      long[] b = chain(pool, 4_000_000, 1_000_000, 3_000_000, 1_000_000);
      assertEquals(before, NativeCore.allocationCount(), "replayed runs allocate nothing");
      assertArrayEquals(a, b, "every run lays its tensors out the same way");
      assertEquals(a[0], a[2], "the 3 MB tensor reuses the dead 4 MB one's memory");
      assertEquals(4_000_000, a[1] - a[0]);
      assertEquals(3_000_000, a[3] - a[0]);
    }
  }

  @Test
  void aRunThatLeavesItsRecordFallsBackAndIsPlannedAgain() {
    try (MemoryPool pool = new MemoryPool(1L << 30)) {
      chain(pool, 4096, 1024, 4096);
      long[] other = chain(pool, 4096, 2048, 4096);  // another shape in the middle: departs at step 1
      assertTrue(other[0] != other[1]);
      assertEquals(0, pool.arenaBytes(), "the departed plan is dropped");
      chain(pool, 4096, 2048, 4096);  // recorded again
      assertTrue(pool.arenaBytes() > 0);
    }
  }

  @Test
  void sameSizesWithOtherLifetimesNeverShareLiveMemory() {
    try (MemoryPool pool = new MemoryPool(1L << 30)) {
      chain(pool, 4096, 4096, 4096);  // a chain: the first and third share memory
      try (MemoryPool.Use run = pool.use()) {
        long a = pool.take(4096, false);
        long b = pool.take(4096, false);
        long c = pool.take(4096, false);  // a is still alive: c must not get a's memory
        assertTrue(c != a && c != b && a != b);
        pool.give(a, 4096);
        pool.give(b, 4096);
        pool.give(c, 4096);
      }
    }
  }

  @Test
  void outputsThatOutliveTheRunNeverComeFromTheArena() {
    try (MemoryPool pool = new MemoryPool(1L << 30)) {
      long out1;
      try (MemoryPool.Use run = pool.use()) {
        long x = pool.take(8192, false);
        out1 = pool.take(256, false);
        pool.give(x, 8192);
      }
      pool.give(out1, 256);
      long out2;
      long x2;
      try (MemoryPool.Use run = pool.use()) {
        x2 = pool.take(8192, false);
        out2 = pool.take(256, false);
        pool.give(x2, 8192);
      }
      // the caller still holds out2 while the next run writes the arena
      try (MemoryPool.Use run = pool.use()) {
        long x3 = pool.take(8192, false);
        assertTrue(out2 < x3 || out2 >= x3 + 8192, "an output lies outside the arena");
        pool.give(x3, 8192);
      }
      pool.give(out2, 256);
    }
  }

  @Test
  void aFailedRunIsNeitherPlannedFromNorHeldAgainstThePlan() {
    try (MemoryPool pool = new MemoryPool(1L << 30)) {
      try (MemoryPool.Use run = pool.use()) {
        long x = pool.take(4096, false);
        pool.runFailed();  // e.g. a node threw after this allocation
        pool.give(x, 4096);
      }
      assertEquals(0, pool.arenaBytes(), "a partial run is not planned from");
      chain(pool, 4096, 1024, 4096);
      long arena = pool.arenaBytes();
      assertTrue(arena > 0);
      try (MemoryPool.Use run = pool.use()) {
        long x = pool.take(4096, false);
        long y = pool.take(8192, false);  // departs from the plan, then fails
        pool.runFailed();
        pool.give(x, 4096);
        pool.give(y, 8192);
      }
      assertEquals(arena, pool.arenaBytes(), "the plan survives a failed run");
    }
  }

  @Test
  void runsOfSeveralKeysInTurnEachReplayTheirOwnPlanInOneArena() {
    long[][] shapes = {{4_000_000, 1_000_000, 3_000_000, 1_000_000}, {2_000_000, 6_000_000, 2_000_000},
        {1_000_000, 1_000_000}};
    try (MemoryPool pool = new MemoryPool(1L << 30)) {
      // the first key is recorded on its first run, the others on their second
      for (int round = 0; round < 2; round++) {
        for (int k = 0; k < shapes.length; k++) {
          keyedChain(pool, "shape" + k, shapes[k]);
        }
      }
      assertEquals(3, pool.planCount());
      long arena = pool.arenaBytes();
      assertEquals(8_000_000, arena, "as large as the largest plan: the 6 MB tensor and a 2 MB one alive with it");
      long before = NativeCore.allocationCount();
      long[][] first = new long[shapes.length][];
      for (int round = 0; round < 3; round++) {
        for (int k = 0; k < shapes.length; k++) {
          long[] a = keyedChain(pool, "shape" + k, shapes[k]);
          if (round == 0) {
            first[k] = a;
          } else {
            assertArrayEquals(first[k], a, "shape " + k + " is laid out the same way every round");
          }
        }
      }
      assertEquals(before, NativeCore.allocationCount(), "shapes in turn replay their plans and allocate nothing");
      assertEquals(arena, pool.arenaBytes());
    }
  }

  @Test
  void plansAreBoundedAndTheLeastRecentlyUsedGoesFirst() {
    int bound = MemoryPool.MAX_PLANS;
    try (MemoryPool pool = new MemoryPool(1L << 30)) {
      for (int round = 0; round < 2; round++) {
        for (int k = 0; k <= bound; k++) {
          keyedChain(pool, "k" + k, 4096L * (k + 1), 1024);
        }
      }
      // bound + 1 keys planned: k0, used first in the second round, was the least recently used
      assertEquals(bound, pool.planCount());
      assertTrue(!pool.hasPlan("k0") && pool.hasPlan("k1") && pool.hasPlan("k" + bound));
      keyedChain(pool, "k1", 4096L * 2, 1024);  // a replay is a use: k2 is now the least recently used
      keyedChain(pool, "new", 100_000, 1024);  // seen once: not planned yet
      assertTrue(pool.hasPlan("k2"));
      keyedChain(pool, "new", 100_000, 1024);  // seen again: planned, in place of k2
      assertEquals(bound, pool.planCount());
      assertTrue(pool.hasPlan("new") && pool.hasPlan("k1") && !pool.hasPlan("k2"));
      assertEquals(ArenaPlan.aligned(100_000) + ArenaPlan.aligned(1024), pool.arenaBytes(),
          "the arena follows the largest plan kept");
    }
  }

  /**
   * Arena tensors carry no Cleaner (their run closes them): one a replayed run leaves open is counted as a leak when
   * the run ends, and its memory is not handed to the next run while it is open.
   */
  @Test
  void anArenaTensorLeftOpenPastItsRunIsCountedAsALeak() {
    try (MemoryPool pool = new MemoryPool(1 << 20)) {
      for (int run = 0; run < 2; run++) {  // recorded, then planned: the third run replays the arena
        try (MemoryPool.Use use = pool.use()) {
          Tensor.allocate(DType.FLOAT32, Shape.of(256)).close();
          Tensor.allocate(DType.FLOAT32, Shape.of(256)).close();
        }
      }
      long leaked = Tensor.leakedCount();
      Tensor kept;
      try (MemoryPool.Use use = pool.use()) {
        kept = Tensor.allocate(DType.FLOAT32, Shape.of(256));
        assertTrue(pool.inArena(kept.nativeAddress()), "the replayed run's tensor comes from the arena");
        Tensor.allocate(DType.FLOAT32, Shape.of(256)).close();
      }
      assertEquals(leaked + 1, Tensor.leakedCount());
      kept.setFloat(0, 7);
      try (MemoryPool.Use use = pool.use()) {
        try (Tensor next = Tensor.allocate(DType.FLOAT32, Shape.of(256))) {
          assertNotEquals(kept.nativeAddress(), next.nativeAddress());
        }
      }
      assertEquals(7f, kept.getFloat(0));
      kept.close();
    }
  }
}

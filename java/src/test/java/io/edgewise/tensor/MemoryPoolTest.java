package io.edgewise.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.edgewise.nativecore.NativeCore;
import org.junit.jupiter.api.Test;

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
}

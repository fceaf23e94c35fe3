package io.edgewise.reuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReuseStoreTest {
  @TempDir
  Path dir;

  static float[] randomVector(SplittableRandom r, int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) r.nextDouble(-1, 1);
    }
    return v;
  }

  static double distance(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (a[i] - b[i]) * (double) (a[i] - b[i]);
    }
    return Math.sqrt(s);
  }

  @Test
  void entriesSurviveReopenWithFeatureResultAndMetadata() {
    SplittableRandom r = new SplittableRandom(1);
    float[] f = randomVector(r, 32);
    long id;
    try (ReuseStore s = ReuseStore.open(dir, ReuseStoreOptions.defaults().withFeatureType(FeatureType.F32))) {
      Namespace ns = s.namespace("modelhash", "tap", f);
      id = s.insert(ns, f, StoredResult.label(7, 0.9f), 1_234_567, "local");
      assertTrue(id >= 0);
      s.recordHit(id, 1_234_567);
    }
    try (ReuseStore s = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      Namespace ns = s.findNamespace("modelhash", "tap").orElseThrow();
      assertEquals(FeatureType.F32, ns.featureType(), "the namespace keeps the feature type it was created with");
      ReuseEntry e = s.get(ns, id).orElseThrow();
      assertArrayEquals(f, e.feature());
      assertEquals(7, e.result().label());
      assertEquals(0.9f, e.result().confidence());
      assertEquals(1_234_567, e.computeNanos());
      assertEquals("local", e.origin());
      assertEquals(1, e.hits(), "the hit recorded before close was written");
      Neighbours nb = s.nearest(ns, f, 3);
      assertEquals(id, nb.nearest().get(0).id());
      assertEquals(0, nb.nearest().get(0).distance(), 1e-9);
      assertTrue(s.findNamespace("modelhash", "other tap").isEmpty());
    }
  }

  @Test
  void fp16FeaturesRoundToHalfPrecision() {
    float[] f = {1.0f, 0.1f, -3.14159f, 1000f};
    try (ReuseStore s = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      Namespace ns = s.namespace("m", "t", f);
      long id = s.insert(ns, f, StoredResult.label(1, 1), 1, "local");
      float[] back = s.get(ns, id).orElseThrow().feature();
      for (int i = 0; i < f.length; i++) {
        assertEquals(f[i], back[i], Math.abs(f[i]) * 1e-3, "value " + i);
      }
    }
  }

  @Test
  void dimensionMismatchIsAClearError() {
    try (ReuseStore s = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      Namespace ns = s.namespace("m", "t", new float[4]);
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> s.namespace("m", "t", new float[5]));
      assertTrue(e.getMessage().contains("4 values"), e.getMessage());
      assertThrows(EdgewiseException.class, () -> s.nearest(ns, new float[3], 1));
    }
  }

  /**
   * A-LSH against brute force: clustered data at two sizes (10x apart); the lookup finds a 1.1-approximate nearest
   * neighbour for nearly every query, and the candidates it inspects stay bounded (tables x candidates) at both sizes.
   */
  @Test
  void adaptiveLshFindsTrueNeighboursWithBoundedCandidates() {
    SplittableRandom r = new SplittableRandom(2);
    int dim = 48;
    List<float[]> centres = new ArrayList<>();
    for (int c = 0; c < 50; c++) {
      centres.add(randomVector(r, dim));
    }
    ReuseStoreOptions opts = ReuseStoreOptions.defaults();
    try (ReuseStore s = ReuseStore.open(dir, opts)) {
      Namespace ns = s.namespace("m", "t", centres.get(0));
      List<float[]> stored = new ArrayList<>();
      int[] sizes = {1000, 10000};
      for (int size : sizes) {
        List<ReuseStore.NewEntry> batch = new ArrayList<>();
        while (stored.size() + batch.size() < size) {
          float[] c = centres.get(r.nextInt(centres.size()));
          float[] v = c.clone();
          for (int i = 0; i < dim; i++) {
            v[i] += (float) (r.nextGaussian() * 0.05);
          }
          batch.add(new ReuseStore.NewEntry(v, StoredResult.label(0, 1), 1000, "local"));
        }
        s.insertAll(ns, batch);
        batch.forEach(b -> stored.add(s.get(ns, stored.size()).map(ReuseEntry::feature).orElse(b.feature())));
        int found = 0;
        int queries = 100;
        int maxInspected = 0;
        for (int q = 0; q < queries; q++) {
          float[] c = centres.get(r.nextInt(centres.size()));
          float[] v = c.clone();
          for (int i = 0; i < dim; i++) {
            v[i] += (float) (r.nextGaussian() * 0.05);
          }
          double best = Double.MAX_VALUE;
          for (float[] x : stored) {
            best = Math.min(best, distance(v, x));
          }
          Neighbours nb = s.nearest(ns, v, 1);
          maxInspected = Math.max(maxInspected, nb.inspected());
          // c-approximate nearest neighbour, c = 1.1 (in a Gaussian blob all distances are nearly equal)
          if (!nb.nearest().isEmpty() && nb.nearest().get(0).distance() <= best * 1.1 + 1e-3) {
            found++;
          }
        }
        assertTrue(found >= 85, "size " + size + ": true nearest found for " + found + " of " + queries);
        assertTrue(maxInspected <= opts.tables() * opts.candidates(), "inspected " + maxInspected);
      }
    }
  }

  @Test
  void capacityIsRespectedAndEvictionCounts() {
    long capacity = 200_000;
    SplittableRandom r = new SplittableRandom(3);
    try (ReuseStore s = ReuseStore.open(dir, ReuseStoreOptions.defaults().withCapacityBytes(capacity))) {
      Namespace ns = s.namespace("m", "t", randomVector(r, 64));
      for (int i = 0; i < 3000; i++) {
        s.insert(ns, randomVector(r, 64), StoredResult.label(i % 10, 1), 1000, "local");
      }
      ReuseStats st = s.stats();
      assertTrue(st.entryBytes() <= capacity, st.entryBytes() + " bytes stored");
      assertTrue(st.evictions() > 0);
      assertTrue(st.entries() > 100 && st.entries() < 3000, st.entries() + " entries");
      // every surviving entry is whole: its index finds it
      Neighbours nb = s.nearest(ns, randomVector(r, 64), 5);
      for (Neighbour n : nb.nearest()) {
        assertTrue(s.get(ns, n.id()).isPresent());
      }
    }
  }

  /**
   * Importance (hits x compute / bytes, aged) keeps hot entries that LRU drops: 40 hot entries are hit often, then
   * a long run of cold inserts passes; with LRU the hot ones are old and go, with importance they stay.
   */
  @Test
  void importanceKeepsHotEntriesThatLruEvicts() {
    assertTrue(hotSurvivors(EvictionPolicy.IMPORTANCE, dir.resolve("imp")) >= 35);
    assertTrue(hotSurvivors(EvictionPolicy.LRU, dir.resolve("lru")) <= 5);
  }

  private static int hotSurvivors(EvictionPolicy policy, Path where) {
    long[] clock = {0};
    SplittableRandom r = new SplittableRandom(4);
    ReuseStoreOptions opts = ReuseStoreOptions.defaults().withCapacityBytes(150_000).withEviction(policy)
        .withClock(() -> clock[0]).withHalfLifeMillis(1_000_000);
    try (ReuseStore s = ReuseStore.open(where, opts)) {
      Namespace ns = s.namespace("m", "t", randomVector(r, 64));
      List<Long> hot = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        hot.add(s.insert(ns, randomVector(r, 64), StoredResult.label(1, 1), 5_000_000, "local"));
      }
      for (int round = 0; round < 10; round++) {
        clock[0]++;
        hot.forEach(id -> s.recordHit(id, 5_000_000));
      }
      for (int i = 0; i < 4000; i++) {
        clock[0]++;
        s.insert(ns, randomVector(r, 64), StoredResult.label(2, 1), 5_000_000, "local");
      }
      return (int) hot.stream().filter(id -> s.get(ns, id).isPresent()).count();
    }
  }

  @Test
  void mapFullGrowsTheMap() {
    SplittableRandom r = new SplittableRandom(5);
    ReuseStoreOptions opts = ReuseStoreOptions.defaults().withCapacityBytes(64L << 20)
        .withMapBytes(256 << 10, 64L << 20);
    try (ReuseStore s = ReuseStore.open(dir, opts)) {
      Namespace ns = s.namespace("m", "t", randomVector(r, 256));
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < 4000; i++) {
        ids.add(s.insert(ns, randomVector(r, 256), StoredResult.label(i % 10, 1), 1000, "local"));
      }
      ReuseStats st = s.stats();
      assertTrue(st.mapGrowths() > 0, "map grown");
      assertEquals(4000, st.entries(), "nothing evicted while the map could grow");
      assertFalse(ids.contains(-1L));
      assertTrue(st.mapBytes() > 256 << 10);
    }
  }

  @Test
  void mapFullAtTheMaximumEvictsInsteadOfFailing() {
    SplittableRandom r = new SplittableRandom(6);
    // capacity far above what the map can hold: only MDB_MAP_FULL can bound the store
    ReuseStoreOptions opts = ReuseStoreOptions.defaults().withCapacityBytes(1L << 30)
        .withMapBytes(4 << 20, 4 << 20);
    try (ReuseStore s = ReuseStore.open(dir, opts)) {
      Namespace ns = s.namespace("m", "t", randomVector(r, 256));
      long stored = 0;
      for (int i = 0; i < 12000; i++) {
        if (s.insert(ns, randomVector(r, 256), StoredResult.label(i % 10, 1), 1000, "local") >= 0) {
          stored++;
        }
      }
      ReuseStats st = s.stats();
      assertTrue(st.evictions() > 0, "evicted at the maximum map size");
      assertTrue(stored > 11900, stored + " of 12000 inserts stored");
      assertTrue(st.entries() > 0 && st.entries() < 12000);
    }
  }

  /**
   * One writer and several readers at once: readers never block on or see half of an insert (every neighbour they
   * get decodes, and its label is the one its feature encodes), and the writer loses nothing.
   */
  @Test
  void oneWriterAndManyReadersAtOnce() throws Exception {
    int dim = 16;
    try (ReuseStore s = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      Namespace ns = s.namespace("m", "t", new float[dim]);
      java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.atomic.AtomicLong lookups = new java.util.concurrent.atomic.AtomicLong();
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
      List<java.util.concurrent.Future<?>> readers = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        int seed = t;
        readers.add(pool.submit(() -> {
          SplittableRandom r = new SplittableRandom(100 + seed);
          while (!done.get()) {
            float[] q = randomVector(r, dim);
            for (Neighbour n : s.nearest(ns, q, 3).nearest()) {
              Optional<ReuseEntry> e = s.get(ns, n.id());
              if (e.isPresent()) { // evicted meanwhile is fine; torn is not
                assertEquals(labelOf(e.get().feature()), e.get().result().label());
                assertEquals(n.label(), e.get().result().label());
              }
            }
            lookups.incrementAndGet();
          }
          return null;
        }));
      }
      java.util.concurrent.Future<?> writer = pool.submit(() -> {
        SplittableRandom r = new SplittableRandom(99);
        for (int i = 0; i < 3000; i++) {
          float[] f = randomVector(r, dim);
          assertTrue(s.insert(ns, f, StoredResult.label(labelOf(f), 1), 1000, "local") >= 0);
        }
        return null;
      });
      writer.get();
      done.set(true);
      for (var f : readers) {
        f.get();
      }
      pool.shutdown();
      assertEquals(3000, s.stats().entries());
      assertTrue(lookups.get() > 0);
    }
  }

  /** The label a feature encodes, so that readers can check entries whole. */
  static int labelOf(float[] f) {
    return f[0] > 0 ? 1 : 0;
  }

  @Test
  void clearRemovesEverything() {
    SplittableRandom r = new SplittableRandom(7);
    try (ReuseStore s = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      Namespace ns = s.namespace("m", "t", randomVector(r, 8));
      s.insert(ns, randomVector(r, 8), StoredResult.label(1, 1), 1, "local");
      s.clear();
      assertEquals(0, s.stats().entries());
      assertEquals(0, s.stats().entryBytes());
      assertTrue(s.findNamespace("m", "t").isEmpty());
    }
  }

  @Test
  void useAfterCloseThrows() {
    ReuseStore s = ReuseStore.open(dir, ReuseStoreOptions.defaults());
    s.close();
    s.close();
    assertThrows(EdgewiseException.class, s::stats);
    Optional<Namespace> none = Optional.empty();
    assertTrue(none.isEmpty());
  }
}

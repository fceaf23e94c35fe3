package io.edgewise.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reuse of a computation that is not a model: a "function" whose answer is the index of the nearest of eight far-apart
 * centres, looked up by noisy copies of the centres. The oracle is the function itself.
 */
class ReuseCacheTest {
  @TempDir
  Path dir;

  private static final int DIM = 32;

  @Test
  void nearCopiesHitWithTheFunctionsAnswerAndFarPointsMiss() {
    Random rnd = new Random(3);
    float[][] centres = new float[8][DIM];
    for (float[] c : centres) {
      for (int d = 0; d < DIM; d++) {
        c[d] = (float) (rnd.nextGaussian() * 10);
      }
    }
    ReuseOptions o = ReuseOptions.defaults().withAuditRate(0).withMinCalibrationSamples(10);
    try (ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      ReuseCache cache = new ReuseCache("fn-v1", "centre", o, new LocalReuseTier(store, o), List.of(),
          new SimpleMeterRegistry());
      int hits = 0;
      int computed = 0;
      for (int i = 0; i < 400; i++) {
        int truth = i % 8;
        float[] x = noisy(centres[truth], rnd, 0.3);
        ReuseCache.Probe p = cache.probe(x);
        if (p.reused()) {
          hits++;
          assertEquals(truth, p.hit().result().label(), "a hit answers what the function would");
          assertThrows(IllegalStateException.class, () -> p.computed(StoredResult.label(truth, 1), 1));
        } else {
          computed++;
          assertFalse(p.audited());
          p.computed(StoredResult.label(truth, 1), 1_000_000);
        }
      }
      assertTrue(hits > 300, "after calibration near copies hit: " + hits + " hits, " + computed + " computed");
      // a point far from every centre finds no confident neighbour
      float[] far = new float[DIM];
      java.util.Arrays.fill(far, 500);
      ReuseCache.Probe p = cache.probe(far);
      assertFalse(p.reused());
      assertNull(p.hit());
      assertTrue(cache.thresholds().radius() > 0);
    }
  }

  @Test
  void auditedHitsAreComputedAndCheckedNotStored() {
    Random rnd = new Random(5);
    float[] c = noisy(new float[DIM], rnd, 10);
    ReuseOptions o = ReuseOptions.defaults().withAuditRate(1).withMinCalibrationSamples(5);
    try (ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      ReuseCache cache = new ReuseCache("fn-v1", "audit", o, new LocalReuseTier(store, o), List.of(),
          new SimpleMeterRegistry());
      int audits = 0;
      // the 95% target's one-sided Wilson bound needs some 60 agreeing shadow decisions before the first hit
      for (int i = 0; i < 200; i++) {
        ReuseCache.Probe p = cache.probe(noisy(c, rnd, 0.1));
        assertFalse(p.reused(), "every hit is audited at rate 1");
        audits += p.audited() ? 1 : 0;
        p.computed(StoredResult.label(3, 1), 1_000);
      }
      assertTrue(audits > 0);
      // the hits that were audited all agreed with the computation
      assertEquals(1.0, cache.originAccuracy().snapshot().get("local").accuracy(), 1e-9);
    }
  }

  /**
   * A hit the caller verifies: counted only when confirmed; a rejected one is counted as rejected, its computed
   * result stored (found again next time) and nothing served; neither can be decided twice.
   */
  @Test
  void verifiedHitsAreServedOnlyWhenConfirmedAndRejectedOnesStoreTheComputation() {
    Random rnd = new Random(7);
    float[] c = noisy(new float[DIM], rnd, 10);
    ReuseOptions o = ReuseOptions.defaults().withAuditRate(0).withMinCalibrationSamples(5);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      ReuseCache cache = new ReuseCache("fn-v1", "verify", o, new LocalReuseTier(store, o), List.of(), registry);
      ReuseCache.Probe hit = null;
      for (int i = 0; i < 200 && hit == null; i++) {
        ReuseCache.Probe p = cache.probe(noisy(c, rnd, 0.1), true);
        if (p.reused()) {
          hit = p;
        } else {
          p.computed(StoredResult.label(3, 1), 1_000_000);
        }
      }
      assertTrue(hit != null, "no hit after calibration");
      assertEquals(0, count(registry, "hit"), "not served before it is confirmed");
      hit.confirmed(200_000);
      assertEquals(1, count(registry, "hit"));
      assertEquals(0.0008, registry.find("edgewise.reuse.saved").counter().count(), 1e-9,
          "the check's time is not saved");
      ReuseCache.Probe done = hit;
      assertThrows(IllegalStateException.class, () -> done.confirmed(0));
      assertThrows(IllegalStateException.class, () -> done.rejected(StoredResult.label(3, 1), 1));

      long before = store.stats().entries();
      ReuseCache.Probe next = cache.probe(noisy(c, rnd, 0.1), true);
      assertTrue(next.reused());
      next.rejected(StoredResult.label(4, 1), 1_000_000);
      assertEquals(1, count(registry, "rejected"));
      assertEquals(1, count(registry, "hit"), "a rejected hit is not served");
      assertEquals(before + 1, store.stats().entries(), "the computed result is stored");
      assertThrows(IllegalStateException.class, () -> next.confirmed(0));
      // a miss cannot be confirmed or rejected
      float[] far = new float[DIM];
      java.util.Arrays.fill(far, 500);
      ReuseCache.Probe miss = cache.probe(far, true);
      assertFalse(miss.reused());
      assertThrows(IllegalStateException.class, () -> miss.confirmed(0));
    }
  }

  private static double count(SimpleMeterRegistry registry, String outcome) {
    return registry.find("edgewise.reuse.requests").tag("outcome", outcome).counter().count();
  }

  private static float[] noisy(float[] c, Random rnd, double sigma) {
    float[] x = c.clone();
    for (int d = 0; d < x.length; d++) {
      x[d] += (float) (rnd.nextGaussian() * sigma);
    }
    return x;
  }
}

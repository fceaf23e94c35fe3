package io.edgewise.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.train.LabeledSamples;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two-level lookup with a second in-process store standing in for a peer's. */
class TieredReuseTest {
  @TempDir
  Path dir;

  /** Fills a store the way a peer would: its own reuse session over repeated samples. */
  private static void warm(ReuseStore store, LabeledSamples data, ReuseOptions ro) {
    try (ReuseSession peer = ReuseSession.open(ReuseSessionTest.model(), SessionOptions.defaults(), ro, store)) {
      for (int i = 0; i < 50; i++) {
        for (int rep = 0; rep < 3; rep++) {
          try (Tensor x = ReuseSessionTest.image(data.x()[i]); ReuseResult r = peer.run(Map.of("input", x))) {
            assertTrue(r.outputs().containsKey("logits"));
          }
        }
      }
    }
  }

  @Test
  void peerAnswersFirstWithItsOriginAndAuditsCountPerOrigin() {
    LabeledSamples data = ReuseSessionTest.digits();
    // a 90% target: the Wilson bound lets 50 samples x 3 calibrate (95% needs about 52 agreeing shadow decisions)
    ReuseOptions ro = ReuseOptions.defaults().withAccuracyTarget(0.9).withMinCalibrationSamples(10).withAuditRate(0);
    try (ReuseStore peerStore = ReuseStore.open(dir.resolve("peer"), ReuseStoreOptions.defaults());
        ReuseStore own = ReuseStore.open(dir.resolve("own"), ReuseStoreOptions.defaults())) {
      warm(peerStore, data, ro);
      LocalReuseTier peer = new LocalReuseTier(peerStore, ro, "peer-a");
      // every hit audited: the model runs anyway and says whether the peer's answer agreed
      ReuseOptions audited = ro.withAuditRate(1.0);
      try (ReuseSession s = ReuseSession.open(ReuseSessionTest.model(), SessionOptions.defaults(), audited, own,
          List.of(peer), new SimpleMeterRegistry())) {
        int fromPeer = 0;
        for (int i = 0; i < 20; i++) {
          try (Tensor x = ReuseSessionTest.image(data.x()[i]); ReuseResult r = s.run(Map.of("input", x))) {
            if (r.hitInfo() != null) {
              assertEquals("peer-a", r.hitInfo().tier());
              assertEquals("peer-a", r.hitInfo().origin());
              assertTrue(r.audited());
              fromPeer++;
            }
          }
        }
        assertTrue(fromPeer >= 18, fromPeer + " of 20 answered by the peer");
        OriginAccuracy.Counts c = s.originAccuracy().snapshot().get("peer-a");
        assertEquals(fromPeer, c.audited());
        assertEquals(c.audited(), c.agreed(), "exact repeats: the peer's answers agree with the model");
      }
    }
  }

  @Test
  void aFailingPeerIsAMissNotAFailure() {
    ReuseTier broken = new ReuseTier() {
      @Override
      public String name() {
        return "down";
      }

      @Override
      public Optional<ReuseHit> lookup(ReuseQuery query) {
        throw new IllegalStateException("connection refused");
      }
    };
    LabeledSamples data = ReuseSessionTest.digits();
    try (ReuseStore own = ReuseStore.open(dir, ReuseStoreOptions.defaults());
        ReuseSession s = ReuseSession.open(ReuseSessionTest.model(), SessionOptions.defaults(),
            ReuseOptions.defaults(), own, List.of(broken), new SimpleMeterRegistry());
        Tensor x = ReuseSessionTest.image(data.x()[0]);
        ReuseResult r = s.run(Map.of("input", x))) {
      assertFalse(r.hit());
      assertEquals(10, r.outputs().get("logits").size());
      assertEquals(1, own.stats().entries(), "the computed result was stored");
    }
    TieredReuse t = new TieredReuse(List.of(broken));
    assertTrue(t.lookup(new ReuseQuery("m", "t", new float[1])).isEmpty());
    assertEquals(1, t.tierFailures());
  }
}

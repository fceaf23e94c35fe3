package io.edgewise.serve.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.reuse.LocalReuseTier;
import io.edgewise.reuse.OriginAccuracy;
import io.edgewise.reuse.ReuseOptions;
import io.edgewise.reuse.ReuseResult;
import io.edgewise.reuse.ReuseSession;
import io.edgewise.reuse.ReuseStore;
import io.edgewise.reuse.ReuseStoreOptions;
import io.edgewise.train.LabeledSamples;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FoggyCache's two-level lookup over the network: a device asks its peer's store through REUSE_LOOKUP on a real
 * loopback peer server before its own store, keeps the peer as the origin of what it reuses, and treats a peer
 * that is down as a miss.
 */
class PeerReuseTierTest {
  @TempDir
  Path dir;


  private static Tensor image(float[] x) {
    return Tensor.ofFloats(Shape.of(1, 1, 8, 8), x);
  }

  @Test
  void thePeersStoreAnswersFirstOverTheWireAndADownPeerIsAMiss() {
    // resolved here: in a static initialiser a missing ../shared failed the class instead of skipping it
    Path modelFile = TestData.model("digits_cnn_0to9").resolve("model.onnx");
    Path d = TestData.root().resolve("digits");
    LabeledSamples data = LabeledSamples.load(d, d.resolve("split_seed0.json"));
    // a 90% target with a short calibration window, as the in-process two-level test uses
    ReuseOptions ro = ReuseOptions.defaults().withAccuracyTarget(0.9).withMinCalibrationSamples(10).withAuditRate(0);
    try (ReuseStore peerStore = ReuseStore.open(dir.resolve("peer"), ReuseStoreOptions.defaults());
        ReuseStore own = ReuseStore.open(dir.resolve("own"), ReuseStoreOptions.defaults())) {
      try (ReuseSession peer = ReuseSession.open(modelFile, SessionOptions.defaults(), ro, peerStore)) {
        for (int i = 0; i < 50; i++) {
          for (int rep = 0; rep < 3; rep++) {
            try (Tensor x = image(data.x()[i]); ReuseResult r = peer.run(Map.of("input", x))) {
              assertTrue(r.outputs().containsKey("logits"));
            }
          }
        }
      }
      PeerServerConfig cfg = PeerServerConfig.of(0, new DirectoryModelResolver(List.of(modelFile.getParent())),
          PeerServerTest.TOKEN).withReuseHandler(new StoreReuseLookupHandler(new LocalReuseTier(peerStore, ro, "peer-a")));
      PeerServer server = new PeerServer(cfg);
      int port = server.start();
      try (PeerClient client = PeerClient.connect(PeerServerTest.client(port));
          ReuseSession s = ReuseSession.open(modelFile, SessionOptions.defaults(), ro.withAuditRate(1.0), own,
              List.of(new PeerReuseTier(client, "peer-a")), new SimpleMeterRegistry())) {
        int fromPeer = 0;
        for (int i = 0; i < 20; i++) {
          try (Tensor x = image(data.x()[i]); ReuseResult r = s.run(Map.of("input", x))) {
            if (r.hitInfo() != null) {
              assertEquals("peer-a", r.hitInfo().tier());
              assertEquals("peer-a", r.hitInfo().origin());
              fromPeer++;
            }
            assertEquals(10, r.outputs().get("logits").size());
          }
        }
        assertTrue(fromPeer >= 18, fromPeer + " of 20 answered by the peer over the wire");
        OriginAccuracy.Counts c = s.originAccuracy().snapshot().get("peer-a");
        assertEquals(fromPeer, c.audited());
        assertEquals(c.audited(), c.agreed(), "exact repeats: the peer's answers agree with the model");

        server.close();
        long before = own.stats().entries();
        // a sample the device has not seen: the peer is down, so the model computes it and the own store keeps it
        try (Tensor x = image(data.x()[400]); ReuseResult r = s.run(Map.of("input", x))) {
          assertFalse(r.hit());
          assertEquals(10, r.outputs().get("logits").size());
        }
        assertEquals(before + 1, own.stats().entries(), "computed and stored locally while the peer is down");
      } finally {
        server.close();
      }
    }
  }
}

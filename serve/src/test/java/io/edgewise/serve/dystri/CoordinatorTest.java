package io.edgewise.serve.dystri;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.serve.peer.PeerClient;
import io.edgewise.serve.peer.PeerClientConfig;
import io.edgewise.serve.peer.PeerErrorCode;
import io.edgewise.serve.peer.PeerException;
import io.edgewise.serve.peer.PeerServer;
import io.edgewise.serve.peer.PeerServerConfig;
import io.edgewise.serve.peer.TokenCheck;
import io.edgewise.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The coordinator over real nodes on loopback (the peer protocol), with the scaled levels' oracle y = x (k + 1). */
class CoordinatorTest {
  static final String TOKEN = "dystri-test-token-0123456789";

  static List<DystriNode> nodes(int n, double[] cost, double[] accuracy) {
    List<DystriNode> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(DystriNode.start("127.0.0.1", 0, new ScaledLevels(cost, accuracy), 1, 1024, TokenCheck.of(TOKEN),
          null));
    }
    return out;
  }

  static Coordinator coordinator(List<DystriNode> nodes, Policy policy) {
    List<Coordinator.Address> a = nodes.stream().map(n -> new Coordinator.Address("127.0.0.1", n.port())).toList();
    return new Coordinator(a, nodes.get(0).controller().ladder(), Coordinator.Options.of(policy).withToken(TOKEN));
  }

  static void checkOracle(Outcome o, float x) {
    float[] y = o.outputs().get("y").toFloatArray();
    assertArrayEquals(new float[] {x * (o.level() + 1), 2 * x * (o.level() + 1)}, y, "level " + o.level());
  }

  private static void closeAll(List<DystriNode> nodes) {
    nodes.forEach(DystriNode::close);
  }

  @Test
  void servesEachUserAtTheLevelOfItsWant() throws Exception {
    List<DystriNode> nodes = nodes(2, new double[] {1, 2, 3}, new double[] {0.90, 0.95, 0.99});
    try (Coordinator c = coordinator(nodes, Policy.DYSTRI)) {
      List<CompletableFuture<Outcome>> fs = new ArrayList<>();
      double[] wants = {0.5, 0.95, 0.99};
      for (int i = 0; i < 30; i++) {
        fs.add(c.submit("user" + i % 3, wants[i % 3], System.nanoTime() + TimeUnit.SECONDS.toNanos(20),
            Map.of("x", ScaledLevels.x(i + 1))));
      }
      for (int i = 0; i < 30; i++) {
        try (Outcome o = fs.get(i).get(60, TimeUnit.SECONDS)) {
          assertTrue(o.served(), o.reason());
          assertEquals(i % 3, o.level(), "the cheapest level reaching want " + wants[i % 3]);
          checkOracle(o, i + 1);
        }
      }
    } finally {
      closeAll(nodes);
    }
  }

  @Test
  void refusesAtOnceWhatNoNodeCanMakeInTime() throws Exception {
    // levels of 20 and 40 s against a 1 s deadline: refused by the estimate, whatever the machine's load
    List<DystriNode> nodes = nodes(2, new double[] {20_000, 40_000}, new double[] {0.9, 0.99});
    try (Coordinator c = coordinator(nodes, Policy.DYSTRI)) {
      try (Outcome o = c.submit("u", 0.9, System.nanoTime() + TimeUnit.SECONDS.toNanos(1),
          Map.of("x", ScaledLevels.x(1))).get(60, TimeUnit.SECONDS)) {
        assertFalse(o.served());
        assertEquals(PeerErrorCode.DEADLINE_EXCEEDED, o.code());
        assertTrue(o.reason().contains("no node can answer"), o.reason());
        assertEquals(-1, o.node());
      }
      for (DystriNode n : nodes) {
        assertEquals(0, n.controller().load().completed(), "no node ran it");
      }
    } finally {
      closeAll(nodes);
    }
  }

  @Test
  void fixedPoliciesSetTheLevel() throws Exception {
    List<DystriNode> nodes = nodes(2, new double[] {1, 2}, new double[] {0.9, 0.99});
    try (Coordinator high = coordinator(nodes, Policy.FIXED_HIGHEST);
         Coordinator low = coordinator(nodes, Policy.FIXED_LOWEST);
         Coordinator least = coordinator(nodes, Policy.LEAST_LOADED)) {
      for (int i = 0; i < 6; i++) {
        long d = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try (Outcome h = high.submit("u", 0, d, Map.of("x", ScaledLevels.x(i))).get(60, TimeUnit.SECONDS);
             Outcome l = low.submit("u", 1, d, Map.of("x", ScaledLevels.x(i))).get(60, TimeUnit.SECONDS);
             Outcome m = least.submit("u", 0, d, Map.of("x", ScaledLevels.x(i))).get(60, TimeUnit.SECONDS)) {
          assertEquals(1, h.level());
          assertEquals(0, l.level());
          assertEquals(1, m.level());
          assertEquals(i % 2, h.node(), "round robin");
          checkOracle(h, i);
          checkOracle(l, i);
        }
      }
    } finally {
      closeAll(nodes);
    }
  }

  @Test
  void servesLevelInferOverThePeerProtocol() throws Exception {
    List<DystriNode> nodes = nodes(2, new double[] {1, 2}, new double[] {0.9, 0.99});
    try (Coordinator c = coordinator(nodes, Policy.DYSTRI);
         PeerServer front = new PeerServer(PeerServerConfig.of(0, DystriNodeTestSupport.noModels(), TOKEN))) {
      front.levelHandler(c);
      int port = front.start();
      try (PeerClient client = PeerClient.connect(PeerClientConfig.of("127.0.0.1", port, TOKEN));
           Tensor x = ScaledLevels.x(3)) {
        try (PeerClient.LevelAnswer a = client.levelInfer("alice", Map.of("x", x), 0, 255, 0.99,
            Duration.ofSeconds(20))) {
          assertEquals(1, a.level());
          assertArrayEquals(new float[] {6, 12}, a.outputs().get("y").toFloatArray());
        }
        assertEquals(2, client.load().workers(), "the live nodes' workers");
        PeerException e = org.junit.jupiter.api.Assertions.assertThrows(PeerException.class,
            () -> client.levelInfer("bob", Map.of("x", x), 0, 255, 0.9, Duration.ofNanos(1000)));
        assertEquals(PeerErrorCode.DEADLINE_EXCEEDED, e.peerCode());
      }
    } finally {
      closeAll(nodes);
    }
  }
}

package io.edgewise.serve.dystri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A node killed in the middle of a run (its server stopped abruptly, its queue lost): the coordinator marks it down,
 * sends its requests again to the live node, and every request is answered, correctly.
 */
class DystriFaultTest {
  @Test
  void aKilledNodesRequestsAreReroutedAndNoneIsLost() throws Exception {
    List<DystriNode> nodes = CoordinatorTest.nodes(2, new double[] {5, 10}, new double[] {0.9, 0.99});
    List<String> events = new CopyOnWriteArrayList<>();
    try (Coordinator c = CoordinatorTest.coordinator(nodes, Policy.DYSTRI)) {
      c.onEvent(events::add);
      int n = 120;
      AtomicInteger answered = new AtomicInteger();
      List<CompletableFuture<Outcome>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        // a burst: both nodes hold queues (120 x 5 ms over 2 workers), so node 0 dies with work queued
        CompletableFuture<Outcome> f = c.submit("u" + i % 4, 0.5, System.nanoTime() + TimeUnit.SECONDS.toNanos(60),
            Map.of("x", ScaledLevels.x(i)));
        f.thenRun(answered::incrementAndGet);
        fs.add(f);
      }
      while (answered.get() < 10) {
        Thread.sleep(5);
      }
      nodes.get(0).kill();
      int served = 0;
      int rerouted = 0;
      int byNode0AfterKill = 0;
      for (int i = 0; i < n; i++) {
        try (Outcome o = fs.get(i).get(120, TimeUnit.SECONDS)) {
          assertTrue(o.served(), "request " + i + ": " + o.reason());
          CoordinatorTest.checkOracle(o, i);
          served++;
          rerouted += o.reroutes() > 0 ? 1 : 0;
          if (o.reroutes() > 0 && o.node() == 0) {
            byNode0AfterKill++;
          }
        }
      }
      assertEquals(n, served, "every request answered and served");
      assertTrue(rerouted > 0, "node 0's queued requests were sent again");
      assertEquals(0, byNode0AfterKill, "never back to the dead node");
      assertFalse(c.alive(0));
      assertTrue(c.alive(1));
      assertTrue(c.downSinceNanos(0) != 0);
      assertTrue(events.stream().anyMatch(e -> e.startsWith("node 0") && e.contains("down")), events.toString());
      // after the failure: new requests all go to node 1
      for (int i = 0; i < 10; i++) {
        try (Outcome o = c.submit("u", 0.5, System.nanoTime() + TimeUnit.SECONDS.toNanos(60),
            Map.of("x", ScaledLevels.x(i))).get(60, TimeUnit.SECONDS)) {
          assertTrue(o.served(), o.reason());
          assertEquals(1, o.node());
          assertEquals(0, o.reroutes());
        }
      }
    } finally {
      nodes.forEach(DystriNode::close);
    }
  }

  @Test
  void withEveryNodeDeadRequestsAreRefusedWithTheReason() throws Exception {
    List<DystriNode> nodes = CoordinatorTest.nodes(2, new double[] {1}, new double[] {0.9});
    try (Coordinator c = CoordinatorTest.coordinator(nodes, Policy.DYSTRI)) {
      nodes.forEach(DystriNode::kill);
      for (int i = 0; i < 5; i++) {
        try (Outcome o = c.submit("u", 0.5, System.nanoTime() + TimeUnit.SECONDS.toNanos(10),
            Map.of("x", ScaledLevels.x(i))).get(60, TimeUnit.SECONDS)) {
          assertFalse(o.served());
          assertTrue(o.reason().contains("no live node"), o.reason());
        }
      }
    } finally {
      nodes.forEach(DystriNode::close);
    }
  }
}

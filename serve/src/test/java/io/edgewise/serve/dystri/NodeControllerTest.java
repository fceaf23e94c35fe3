package io.edgewise.serve.dystri;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.adapt.dystri.LevelCosts;
import io.edgewise.serve.peer.PeerErrorCode;
import io.edgewise.serve.peer.PeerMessage;
import io.edgewise.serve.peer.PeerMessage.LevelInfer;
import io.edgewise.serve.peer.TensorEncoding;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The node controller's admission, EDF order and level choice, called directly (no network). */
class NodeControllerTest {
  private static LevelInfer request(float v, long budgetMillis, int lowest, int highest, double want) {
    return new LevelInfer("u", budgetMillis * 1000, lowest, highest, want, TensorEncoding.FP32,
        Map.of("x", ScaledLevels.x(v)), TensorEncoding.FP32);
  }

  private static PeerMessage next(BlockingQueue<PeerMessage> answers) throws InterruptedException {
    PeerMessage m = answers.poll(30, TimeUnit.SECONDS);
    assertTrue(m != null, "an answer came");
    return m;
  }

  @Test
  void earliestDeadlineFirstAndTheLevelOfTheWant() throws Exception {
    ScaledLevels levels = new ScaledLevels(new double[] {1, 2}, new double[] {0.9, 0.99});
    levels.gate = new CountDownLatch(1);
    BlockingQueue<PeerMessage> answers = new LinkedBlockingQueue<>();
    try (NodeController node = new NodeController(levels, 1, 16)) {
      node.submit(request(1, 50_000, 0, 1, 0.5), answers::add);
      assertTrue(levels.entered.await(30, TimeUnit.SECONDS));  // the worker holds request 1 at the gate
      node.submit(request(2, 30_000, 0, 1, 0.5), answers::add);
      node.submit(request(3, 10_000, 0, 1, 1.0), answers::add);
      node.submit(request(4, 20_000, 0, 1, 0.5), answers::add);
      assertEquals(3, node.load().queued());
      levels.gate.countDown();
      int[] levelOf = new int[5];
      for (int i = 0; i < 4; i++) {
        PeerMessage.LevelResult r = assertInstanceOf(PeerMessage.LevelResult.class, next(answers));
        try (r) {
          float[] y = r.outputs().get("y").toFloatArray();
          float x = y[0] / (r.level() + 1);
          assertArrayEquals(new float[] {x * (r.level() + 1), 2 * x * (r.level() + 1)}, y);
          levelOf[Math.round(x)] = r.level();
        }
      }
      // the queued three by deadline (3: 10 s, 4: 20 s, 2: 30 s) after the one already running
      assertEquals(List.of(1f, 3f, 4f, 2f), levels.ran);
      // want 0.5 is met by the cheapest level; want 1.0 by none, so the most accurate that fits
      assertEquals(0, levelOf[1]);
      assertEquals(0, levelOf[2]);
      assertEquals(1, levelOf[3]);
    }
  }

  @Test
  void refusesAtOnceWhatCannotMakeItsDeadline() throws Exception {
    ScaledLevels levels = new ScaledLevels(new double[] {1, 500}, new double[] {0.9, 0.99});
    levels.gate = new CountDownLatch(1);
    BlockingQueue<PeerMessage> answers = new LinkedBlockingQueue<>();
    try (NodeController node = new NodeController(levels, 1, 16)) {
      node.submit(request(0, 60_000, 0, 0, 0.5), answers::add);  // holds the worker: the node is not idle
      assertTrue(levels.entered.await(30, TimeUnit.SECONDS));
      node.submit(request(1, 100, 1, 1, 0.5), answers::add);  // only the 500 ms level allowed, 100 ms budget
      PeerMessage.Error e = assertInstanceOf(PeerMessage.Error.class, next(answers));
      assertEquals(PeerErrorCode.DEADLINE_EXCEEDED, e.code());
      assertTrue(e.message().contains("cannot meet the deadline"), e.message());
      node.submit(request(2, 100, 0, 1, 0.99), answers::add);  // the cheap level fits: served there
      levels.gate.countDown();
      next(answers).close();
      PeerMessage.LevelResult r = assertInstanceOf(PeerMessage.LevelResult.class, next(answers));
      try (r) {
        assertEquals(0, r.level());
      }
      assertEquals(List.of(0f, 2f), levels.ran, "request 1 never ran");
    }
  }

  @Test
  void theNodePlansWithTheCoordinatorsRuleAndItsOwnErrorTail() throws Exception {
    // costs {2, 5, 10}: estimates before any run (mean + 2 x cost / 4) {3, 7.5, 15}
    ScaledLevels levels = new ScaledLevels(new double[] {2, 5, 10}, new double[] {0.8, 0.9, 0.95});
    try (NodeController node = new NodeController(levels, 1, 16)) {
      // no errors measured: full 4 + 15 = 19 > 18, mid 4 + 7.5 = 11.5
      FinishPlan.Plan before = node.plan(4, 18, 0, 2, 0.95);
      assertEquals(1, before.level());
      assertEquals(0, before.marginMs(), 1e-9);
      for (int i = 0; i < 19; i++) {
        node.errors().observe(4);
      }
      assertEquals(1, node.plan(4, 18, 0, 2, 0.95).level(), "19 errors are not yet a tail");
      node.errors().observe(4);
      // 20 errors of 4 ms: margin 4; full 4 + 10 + 4 = 18 <= 18
      FinishPlan.Plan after = node.plan(4, 18, 0, 2, 0.95);
      assertEquals(2, after.level());
      assertEquals(4, after.marginMs(), 1e-9);
      assertEquals(14, after.predictedMs(), 1e-9);
      // the very rule the coordinator applies, with the same costs and tail (no link at the node)
      assertEquals(FinishPlan.plan(levels.ladder(), new LevelCosts(levels.ladder(), 0.1, 2), 4, 4, 0, 18, 0, 2, 0.95),
          after);
      // 20 more errors of 5: {4 x 20, 5 x 20}, rank ceil(0.95 x 40) = 38 is a 5; full 4 + 10 + 5 = 19 > 18: mid
      for (int i = 0; i < 20; i++) {
        node.errors().observe(5);
      }
      assertEquals(1, node.plan(4, 18, 0, 2, 0.95).level());
    }
  }

  @Test
  void theMeasuredTailStepsAnAdmittedRequestDown() throws Exception {
    // level 1 costs 200 ms: its estimate 300 fits a 60 s budget; with a measured tail of 59.9 s it does not
    BlockingQueue<PeerMessage> answers = new LinkedBlockingQueue<>();
    ScaledLevels plain = new ScaledLevels(new double[] {1, 200}, new double[] {0.9, 0.99});
    try (NodeController node = new NodeController(plain, 1, 16)) {
      node.submit(request(1, 60_000, 0, 1, 0.99), answers::add);
      PeerMessage.LevelResult r = assertInstanceOf(PeerMessage.LevelResult.class, next(answers));
      try (r) {
        assertEquals(1, r.level());
      }
    }
    ScaledLevels tailed = new ScaledLevels(new double[] {1, 200}, new double[] {0.9, 0.99});
    try (NodeController node = new NodeController(tailed, 1, 16)) {
      for (int i = 0; i < 20; i++) {
        node.errors().observe(59_900);
      }
      // level 1: 200 + 59,900 > 60,000; level 0 (1 ms) is served, fitting with the margin or, failing that, tried
      // without it (the idle node admits it in any case)
      node.submit(request(1, 60_000, 0, 1, 0.99), answers::add);
      PeerMessage.LevelResult r = assertInstanceOf(PeerMessage.LevelResult.class, next(answers));
      try (r) {
        assertEquals(0, r.level());
      }
    }
  }

  @Test
  void workWhoseDeadlinePassedInTheQueueIsNotRun() throws Exception {
    ScaledLevels levels = new ScaledLevels(new double[] {1, 2}, new double[] {0.9, 0.99});
    levels.gate = new CountDownLatch(1);
    BlockingQueue<PeerMessage> answers = new LinkedBlockingQueue<>();
    try (NodeController node = new NodeController(levels, 1, 1)) {
      node.submit(request(1, 60_000, 0, 0, 0.5), answers::add);
      assertTrue(levels.entered.await(30, TimeUnit.SECONDS));
      node.submit(request(2, 50, 0, 0, 0.5), answers::add);   // admitted: 1 ms ahead, 1 ms to run, 50 ms budget
      node.submit(request(3, 60_000, 0, 0, 0.5), answers::add);  // the queue (1) is full
      PeerMessage.Error full = assertInstanceOf(PeerMessage.Error.class, next(answers));
      assertEquals(PeerErrorCode.OVERLOADED, full.code());
      Thread.sleep(200);  // request 2's deadline passes while request 1 holds the worker
      levels.gate.countDown();
      next(answers).close();
      PeerMessage.Error late = assertInstanceOf(PeerMessage.Error.class, next(answers));
      assertEquals(PeerErrorCode.DEADLINE_EXCEEDED, late.code());
      assertTrue(late.message().contains("while queued"), late.message());
      assertEquals(List.of(1f), levels.ran);
    }
  }

  @Test
  void closeAnswersWhatIsQueued() throws Exception {
    ScaledLevels levels = new ScaledLevels(new double[] {1}, new double[] {0.9});
    levels.gate = new CountDownLatch(1);
    BlockingQueue<PeerMessage> answers = new LinkedBlockingQueue<>();
    NodeController node = new NodeController(levels, 1, 8);
    node.submit(request(1, 60_000, 0, 0, 0.5), answers::add);
    assertTrue(levels.entered.await(30, TimeUnit.SECONDS));
    node.submit(request(2, 60_000, 0, 0, 0.5), answers::add);
    Thread closer = new Thread(node::close);
    closer.start();
    PeerMessage.Error e = assertInstanceOf(PeerMessage.Error.class, next(answers));
    assertTrue(e.message().contains("shutting down"), e.message());
    levels.gate.countDown();
    closer.join(30_000);
    next(answers).close();  // the running one finished and was answered
  }

  @Test
  void tighterWorkAdmittedHereStretchesTheWaitAndTheLoadCapsTheLevel() {
    ScaledLevels levels = new ScaledLevels(new double[] {1, 200}, new double[] {0.9, 0.99});
    try (NodeController node = new NodeController(levels, 1, 16)) {
      // before the tail: estimates {1.5, 300}; 400 ms ahead, 1000 left: level 1 (400 + 300 <= 1000)
      assertEquals(1, node.plan(400, 1000, 0, 1, 0.99).level());
      // work stamped a minute ahead, so that no stall of the test machine ages it out of the half-second window;
      // 50 ms with a budget of 5 s (looser than the 1000 ms left) does not stretch the wait (a load of 0.1)
      long later = System.nanoTime() + 60_000_000_000L;
      node.tighter().add(later, 5000, 50);
      assertEquals(1, node.plan(400, 1000, 0, 1, 0.99).level());
      // 200 ms of 10 ms-budget work: a tighter share of 0.4, the wait 400 / 0.6 = 666.7; 966.7 <= 1000 (load 0.5)
      node.tighter().add(later, 10, 200);
      assertEquals(1, node.plan(400, 1000, 0, 1, 0.99).level());
      // 50 ms more: 0.5, the wait 800; level 1 1100 > 1000, level 0 801.5 (load 0.6, below the cap)
      node.tighter().add(later, 10, 50);
      FinishPlan.Plan p = node.plan(400, 1000, 0, 1, 0.99);
      assertEquals(0, p.level());
      assertTrue(p.fits());
      assertEquals(801.5, p.choice().finishMs(), 1e-9);
      // nothing ahead: level 1 fits easily (300 <= 1000) at a load of 0.6 ...
      assertEquals(1, node.plan(0, 1000, 0, 1, 0.99).level());
      // ... but not at 0.7 (50 ms more of looser work): only the lowest allowed is planned at the cap
      node.tighter().add(later, 5000, 50);
      assertEquals(0, node.plan(0, 1000, 0, 1, 0.99).level());
    }
  }

  @Test
  void workThatCannotFinishByItsDeadlineAtItsLowestLevelIsNotRun() throws Exception {
    // level 0 costs 1 s; request 1 holds the worker at the gate while request 2 (3 s budget) waits
    ScaledLevels levels = new ScaledLevels(new double[] {1000}, new double[] {0.9});
    levels.gate = new CountDownLatch(1);
    BlockingQueue<PeerMessage> answers = new LinkedBlockingQueue<>();
    try (NodeController node = new NodeController(levels, 1, 16)) {
      node.submit(request(1, 60_000, 0, 0, 0.5), answers::add);
      assertTrue(levels.entered.await(30, TimeUnit.SECONDS));
      // admitted: about 1000 ms of running work ahead + 1500 (mean + 2 deviations) <= 3000
      node.submit(request(2, 3000, 0, 0, 0.5), answers::add);
      Thread.sleep(1500);
      levels.gate.countDown();
      // request 1 ends about 2.5 s in (gate + its 1 s), with level 0's mean now 0.9 x 1000 + 0.1 x 2500 = 1150 ms;
      // request 2 then has about 500 ms left (its deadline not passed): it is refused, not run past its deadline
      next(answers).close();
      PeerMessage.Error e = assertInstanceOf(PeerMessage.Error.class, next(answers));
      assertEquals(PeerErrorCode.DEADLINE_EXCEEDED, e.code());
      assertTrue(e.message().contains("not run"), e.message());
      assertEquals(List.of(1f), levels.ran);
    }
  }
}

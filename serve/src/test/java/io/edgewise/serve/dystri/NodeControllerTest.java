package io.edgewise.serve.dystri;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}

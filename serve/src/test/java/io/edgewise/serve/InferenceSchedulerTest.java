package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.serve.common.InferenceScheduler;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.common.ServeMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Admission (running + queued up to the limits, then refused), draining on shutdown, and the load it reports. */
class InferenceSchedulerTest {
  static Supplier<Integer> blockedUntil(CountDownLatch gate, int value) {
    return () -> {
      try {
        gate.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return value;
    };
  }

  /**
   * A result is delivered only once its slot is free: with one worker and no queue, whoever acts on a result (the
   * HTTP server writes the answer, and the client sends its next request) can submit again at once. Before, the
   * result was completed inside the task, so the next submit could find the finished task still counted and be
   * refused as busy (a spurious 429 seen in CI).
   */
  @Test
  void aResultIsDeliveredOnlyAfterItsSlotIsFree() throws Exception {
    InferenceScheduler s = new InferenceScheduler(ServeLimits.defaults().withConcurrency(1, 0));
    try {
      for (int i = 0; i < 50; i++) {
        CompletableFuture<Integer> next = s.submit("cpu", () -> 1)
            .thenCompose(v -> s.submit("cpu", () -> v + 1));  // runs on the worker, right after the result
        assertEquals(2, next.get(60, TimeUnit.SECONDS));
      }
    } finally {
      s.close();
    }
  }

  @Test
  void acceptsUpToTheLimitsThenRefusesAndFinishesEverythingAcceptedOnShutdown() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    InferenceScheduler s = new InferenceScheduler(ServeLimits.defaults().withConcurrency(2, 3));
    try {
      List<CompletableFuture<Integer>> accepted = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        accepted.add(s.submit("cpu", blockedUntil(gate, i)));
      }
      GracefulShutdownTest.await(() -> s.running() == 2);
      assertEquals(3, s.queued());
      EdgewiseException busy = assertThrows(EdgewiseException.class, () -> s.submit("cpu", () -> 9));
      assertEquals(ErrorCode.RESOURCE_EXHAUSTED, busy.code());
      assertTrue(busy.getMessage().contains("2 requests running and 3 queued"), busy.getMessage());

      String text = new ServeMetrics(s).scrape();
      assertTrue(text.contains("edgewise_inference_queue_depth 3.0"), text);
      assertTrue(text.contains("edgewise_inference_running 2.0"), text);

      gate.countDown();
      assertTrue(s.shutdown(60, TimeUnit.SECONDS));
      for (int i = 0; i < 5; i++) {
        assertEquals(i, accepted.get(i).get());
      }
      assertTrue(s.busySeconds("cpu") > 0);
      assertEquals(0, s.busySeconds("fpga"));
      EdgewiseException closed = assertThrows(EdgewiseException.class, () -> s.submit("cpu", () -> 1));
      assertTrue(closed.getMessage().contains("shutting down"), closed.getMessage());
    } finally {
      gate.countDown();
      s.close();
    }
  }

  @Test
  void aFailingTaskFailsItsFutureAndFreesItsSlot() throws Exception {
    try (InferenceScheduler s = new InferenceScheduler(ServeLimits.defaults().withConcurrency(1, 0))) {
      CompletableFuture<Integer> f = s.submit("ref", () -> {
        throw EdgewiseException.invalidArgument("bad input");
      });
      Exception e = assertThrows(Exception.class, f::join);
      assertTrue(e.getCause() instanceof EdgewiseException, e.toString());
      GracefulShutdownTest.await(() -> s.running() == 0);
      assertEquals(7, s.submit("ref", () -> 7).get());
    }
  }
}

package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.client.RemoteException;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The concurrency limit and graceful shutdown, made deterministic by occupying the only inference worker with a
 * task the test releases: no timing decides the outcome.
 */
class GracefulShutdownTest {
  @TempDir
  Path repo;

  /** Waits for a condition another thread makes true; a minute without it is a hang, and fails the test. */
  static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        org.junit.jupiter.api.Assertions.fail("the awaited condition did not hold within 60 s");
      }
      Thread.sleep(2);
    }
  }

  static float[] localLogits(Tensor x) {
    Path model = TestData.model("digits_cnn_0to9").resolve("model.onnx");
    try (Session s = Session.open(model, SessionOptions.defaults().withDevice("ref"))) {
      Map<String, Tensor> out = s.run(Map.of("input", x));
      try {
        return out.get("logits").toFloatArray();
      } finally {
        out.values().forEach(Tensor::close);
      }
    }
  }

  @Test
  void closeFinishesTheRequestInFlightAndRefusesNewOnes() throws Exception {
    ServeFixture.digitsRepository(repo);
    ServeLimits limits = ServeLimits.defaults().withConcurrency(1, 4);
    ServeFixture f = ServeFixture.start(repo, limits, null);
    CountDownLatch release = new CountDownLatch(1);
    Path input = TestData.model("digits_cnn_0to9").resolve("test_data_set_0/input_0.pb");
    try (EdgewiseClient client = EdgewiseClient.builder(f.url()).token(ServeFixture.TOKEN).build();
        EdgewiseClient late = EdgewiseClient.builder(f.url()).token(ServeFixture.TOKEN).retries(0, Duration.ZERO)
            .build();
        Tensor x = TensorProtos.readFile(input)) {
      f.scheduler.submit("test", () -> {
        try {
          return release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      await(() -> f.scheduler.running() == 1);
      CompletableFuture<Map<String, Tensor>> inFlight = CompletableFuture.supplyAsync(
          () -> client.infer("digits", "1", Map.of("input", x), true));
      await(() -> f.server.inFlight() == 1 && f.scheduler.queued() == 1);

      Thread closer = new Thread(f.server::close, "closer");
      closer.start();
      await(f.server::isDraining);
      // the accepted request holds close() open; a new one is refused (503 or connection refused)
      EdgewiseException refused = assertThrows(EdgewiseException.class,
          () -> late.infer("digits", "1", Map.of("input", x), true));
      assertTrue(refused instanceof RemoteException r ? r.status() == 503 : refused.code()
          == EdgewiseException.ErrorCode.IO, refused.getMessage());
      assertTrue(closer.isAlive(), "close() returned while a request was unanswered");
      assertEquals(1, f.server.inFlight());

      release.countDown();
      Map<String, Tensor> out = inFlight.get(60, TimeUnit.SECONDS);
      try {
        assertArrayEquals(localLogits(x), out.get("logits").toFloatArray());
      } finally {
        out.values().forEach(Tensor::close);
      }
      closer.join(60_000);
      assertEquals(0, f.server.inFlight());
    } finally {
      release.countDown();
      f.close();
    }
  }

  @Test
  void requestsBeyondTheLimitsAreRefusedAsBusyAndLaterServed() throws Exception {
    ServeFixture.digitsRepository(repo);
    CountDownLatch release = new CountDownLatch(1);
    try (ServeFixture f = ServeFixture.start(repo, ServeLimits.defaults().withConcurrency(1, 0), null);
        EdgewiseClient client = EdgewiseClient.builder(f.url()).token(ServeFixture.TOKEN).build();
        Tensor x = TensorProtos.readFile(TestData.model("digits_cnn_0to9").resolve("test_data_set_1/input_0.pb"))) {
      f.scheduler.submit("test", () -> {
        try {
          return release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      await(() -> f.scheduler.running() == 1);
      RemoteException busy = assertThrows(RemoteException.class,
          () -> client.infer("digits", "1", Map.of("input", x), false));
      assertEquals(429, busy.status());
      assertTrue(busy.getMessage().contains("busy"), busy.getMessage());
      assertTrue(client.isLive(), "health answers while the workers are busy");
      release.countDown();
      await(() -> f.scheduler.running() == 0);
      Map<String, Tensor> out = client.infer("digits", "1", Map.of("input", x), false);
      try {
        assertArrayEquals(localLogits(x), out.get("logits").toFloatArray());
      } finally {
        out.values().forEach(Tensor::close);
      }
    } finally {
      release.countDown();
    }
  }
}

package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.edgewise.EdgewiseException;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.client.RemoteException;
import io.edgewise.tensor.Tensor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's retry and timeout policy against a scripted server (the JDK's own HttpServer): idempotent GETs are
 * retried on 503, inference never is; a server that does not answer ends in a timeout error.
 */
class EdgewiseClientTest {
  HttpServer server;
  final AtomicInteger hits = new AtomicInteger();
  final CountDownLatch never = new CountDownLatch(1);

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v2/", exchange -> {
      hits.incrementAndGet();
      byte[] body = "{\"error\": \"warming up\"}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(503, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.createContext("/v2/models/slow", exchange -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
  }

  @AfterEach
  void stop() {
    never.countDown();
    server.stop(0);
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Test
  void getsAreRetriedOn503AndInferenceIsNot() {
    try (EdgewiseClient c = EdgewiseClient.builder(url()).retries(3, Duration.ofMillis(1)).build();
        Tensor x = Tensor.ofFloats(io.edgewise.tensor.Shape.of(1), 1f)) {
      assertFalse(c.isReady());
      assertEquals(4, hits.getAndSet(0), "one try and three retries");
      RemoteException e = assertThrows(RemoteException.class, () -> c.modelMetadata("m", null));
      assertEquals(503, e.status());
      assertTrue(e.getMessage().contains("warming up"), e.getMessage());
      assertEquals(4, hits.getAndSet(0));
      assertThrows(RemoteException.class, () -> c.infer("m", null, Map.of("x", x), false));
      assertEquals(1, hits.get(), "inference must not be repeated");
    }
  }

  @Test
  void aServerThatNeverAnswersEndsInATimeout() {
    try (EdgewiseClient c = EdgewiseClient.builder(url()).retries(0, Duration.ZERO)
        .requestTimeout(Duration.ofMillis(300)).build()) {
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> c.modelMetadata("slow", null));
      assertEquals(EdgewiseException.ErrorCode.IO, e.code());
      assertTrue(e.getMessage().contains("timed out"), e.getMessage());
    }
  }

  @Test
  void badUrlsAreRefusedUpFront() {
    assertThrows(EdgewiseException.class, () -> EdgewiseClient.builder("ftp://x:1"));
    assertThrows(EdgewiseException.class, () -> EdgewiseClient.builder("no url"));
  }
}

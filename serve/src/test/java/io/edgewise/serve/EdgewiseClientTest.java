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
 * retried on 503, inference is not; a server that does not answer ends in a timeout error. A connection closed with no
 * byte of an answer (a kept-alive one the server closed as idle as the request went out) is tried again once.
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

  /**
   * The race a server's idle timeout sets up (HttpFuzzTest's keep-alive client met it on a loaded machine, about 1 in
   * 25 calls that land within 5 ms of the server's idle close): the connection ends before any byte of the answer.
   * Scripted here with a raw server that closes the first `unanswered` connections after reading their request.
   */
  @Test
  void inferenceOnAConnectionClosedWithoutAnAnswerGoesAgainOnceOnly() throws Exception {
    String answer = "{\"model_name\": \"m\", \"outputs\": [{\"name\": \"y\", \"datatype\": \"FP32\", "
        + "\"shape\": [1], \"data\": [2.5]}]}";
    for (int unanswered : new int[] {1, 2}) {
      AtomicInteger requests = new AtomicInteger();
      try (java.net.ServerSocket raw = new java.net.ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress())) {
        Thread t = new Thread(() -> rawServer(raw, unanswered, answer, requests));
        t.setDaemon(true);
        t.start();
        try (EdgewiseClient c = EdgewiseClient.builder("http://127.0.0.1:" + raw.getLocalPort()).build();
            Tensor x = Tensor.ofFloats(io.edgewise.tensor.Shape.of(1), 1f)) {
          if (unanswered == 1) {
            Map<String, Tensor> out = c.infer("m", null, Map.of("x", x), false);
            assertEquals(2.5f, out.get("y").toFloatArray()[0]);
            out.values().forEach(Tensor::close);
          } else {
            EdgewiseException e = assertThrows(EdgewiseException.class, () -> c.infer("m", null, Map.of("x", x), false));
            assertTrue(e.getMessage().contains("received no bytes"), e.getMessage());
          }
        }
        assertEquals(2, requests.get(), unanswered + " unanswered: the request went twice, not more");
      }
    }
  }

  /** Reads each request (head and Content-Length body); closes the first `unanswered` ones, answers the rest. */
  private static void rawServer(java.net.ServerSocket raw, int unanswered, String answer, AtomicInteger requests) {
    while (true) {
      try (java.net.Socket s = raw.accept()) {
        java.io.InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
          int b = in.read();
          if (b < 0) {
            break;
          }
          head.append((char) b);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        in.readNBytes(m.find() ? Integer.parseInt(m.group(1)) : 0);
        if (requests.incrementAndGet() <= unanswered) {
          continue;  // closes the connection: no byte of an answer
        }
        byte[] body = answer.getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().write(body);
      } catch (java.io.IOException closed) {
        return;  // the test closed the server socket
      }
    }
  }

  @Test
  void badUrlsAreRefusedUpFront() {
    assertThrows(EdgewiseException.class, () -> EdgewiseClient.builder("ftp://x:1"));
    assertThrows(EdgewiseException.class, () -> EdgewiseClient.builder("no url"));
  }
}

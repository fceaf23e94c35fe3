package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.serve.HttpFuzzTest.Answer;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.http.HttpInferenceServer;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the HTTP server decides from the headers alone, before it buffers a body: 401 without a valid token (the
 * issue's probe: many large token-less bodies at once, with the server's buffered bytes measured by a counting
 * allocator), the cap on connections without a token, the open endpoints' small body limit, 505 for versions other
 * than HTTP/1.x and 415 for compressed bodies. Loopback only; every loop is bounded in count and time.
 */
class HttpGateTest {
  static final int MIB = 1 << 20;

  @TempDir
  Path repo;

  static String head(String method, String path, String version, String... headers) {
    StringBuilder b = new StringBuilder(method + " " + path + " " + version + "\r\nHost: gate\r\n");
    for (String h : headers) {
      b.append(h).append("\r\n");
    }
    return b.append("\r\n").toString();
  }

  static Answer exchange(int port, String request) throws IOException {
    return HttpFuzzTest.send(port, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * One token-less client of the probe: headers of a body of declared bytes, the answer read before a byte of the
   * body is sent (so it must come from the headers alone), then the body until the server closes (or all of it).
   * Returns the bytes sent; asserts that the server closes the connection after them.
   */
  static long unauthenticatedUpload(int port, long declared, byte[] chunk, long deadlineNanos) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      String h = head("POST", "/v2/models/digits/versions/1/infer", "HTTP/1.1", "Content-Type: application/json",
          "Content-Length: " + declared);
      out.write(h.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      Answer a = HttpFuzzTest.readAnswer(s.getInputStream(), h.getBytes(StandardCharsets.ISO_8859_1));
      assertEquals(401, a.status(), a.body());
      assertTrue(a.body().contains("bearer token"), a.body());
      long sent = 0;
      try {
        while (sent < declared && System.nanoTime() < deadlineNanos) {
          int n = (int) Math.min(chunk.length, declared - sent);
          out.write(chunk, 0, n);
          sent += n;
        }
        out.flush();
      } catch (IOException closedByTheServer) {
        return sent;  // a body over the server's limit is drained only briefly: the server closed after its answer
      }
      try {
        assertEquals(-1, s.getInputStream().read(), "the server closes once the refused body has been read");
      } catch (java.net.SocketException reset) {
        // closed too (reset), which is what counts
      }
      return sent;
    }
  }

  @Test
  void manyLargeUnauthenticatedBodiesKeepTheServersBuffersBounded() throws Exception {
    ServeFixture.digitsRepository(repo);
    CountingAllocator alloc = new CountingAllocator();
    int clients = Integer.getInteger("edgewise.gate.clients", 16);
    try (ServeFixture f = ServeFixture.start(repo, ServeLimits.defaults(), null, alloc,
        HttpInferenceServer.MAX_UNAUTHENTICATED_CONNECTIONS);
        EdgewiseClient client = EdgewiseClient.builder(f.url()).token(ServeFixture.TOKEN).build();
        Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(1, 1, 8, 8))) {
      float[] expected = HttpFuzzTest.infer(client, x);
      alloc.resetPeak();
      byte[] chunk = new byte[64 * 1024];
      java.util.Arrays.fill(chunk, (byte) '7');
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      ExecutorService pool = Executors.newFixedThreadPool(clients + 2);
      try {
        // the probe of the issue: 60 MiB bodies (under the 64 MiB limit: read to their end and dropped, so each
        // client reads its 401 cleanly), and two declaring 100 MiB (over it: answered at once, then at most a few MiB drained so the answer
        // is not lost to a reset, and closed)
        List<Future<Long>> sent = new ArrayList<>();
        for (int i = 0; i < clients + 2; i++) {
          long declared = i < clients ? 60L * MIB : 100L * MIB;
          sent.add(pool.submit(() -> unauthenticatedUpload(f.server.port(), declared, chunk, deadline)));
        }
        long total = 0;
        for (int i = 0; i < clients; i++) {
          total += sent.get(i).get(150, TimeUnit.SECONDS);
        }
        for (int i = clients; i < clients + 2; i++) {
          long over = sent.get(i).get(150, TimeUnit.SECONDS);
          assertTrue(over < 32L * MIB, "a body over the limit should not be read: " + over + " bytes went in");
        }
        long bound = (clients + 2) * HttpInferenceServer.MAX_UNAUTHENTICATED_CONNECTION_BYTES;
        System.out.printf("gate: %d token-less clients sent %.1f MiB of 60 MiB bodies in all (+2 of 100 MiB, refused "
            + "unread); the server's buffers peaked at %d bytes (bound %d = %d x %d)%n", clients, total / (double) MIB,
            alloc.peak(), bound, clients + 2, HttpInferenceServer.MAX_UNAUTHENTICATED_CONNECTION_BYTES);
        assertTrue(alloc.total() > 0, "the counting allocator saw no buffer: it is not the server's");
        assertTrue(alloc.peak() <= bound, "the server buffered " + alloc.peak() + " bytes for " + clients
            + " unauthenticated clients; the bound is " + bound);
      } finally {
        pool.shutdownNow();
      }
      // and authorized inference is unaffected
      assertArrayEquals(expected, HttpFuzzTest.infer(client, x));
    }
  }

  @Test
  void aRefusedBodyStillArrivingDoesNotHoldUpShutdown() throws Exception {
    ServeFixture.digitsRepository(repo);
    try (ServeFixture f = ServeFixture.start(repo); Socket s = new Socket("127.0.0.1", f.server.port())) {
      s.setSoTimeout(10_000);
      String h = head("POST", "/v2/models/digits/infer", "HTTP/1.1", "Content-Length: " + 60L * MIB);
      s.getOutputStream().write(h.getBytes(StandardCharsets.ISO_8859_1));
      assertEquals(401, HttpFuzzTest.readAnswer(s.getInputStream(), h.getBytes(StandardCharsets.ISO_8859_1))
          .status());
      s.getOutputStream().write(new byte[64 * 1024]);  // the body keeps coming, slowly
      long t0 = System.nanoTime();
      f.server.close();
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertTrue(seconds < 10, "close() took " + seconds + " s with a refused body still arriving");
      assertEquals(-1, s.getInputStream().read(), "the connection is closed by shutdown");
    }
  }

  @Test
  void connectionsWithoutATokenAreCappedOldestFirst() throws Exception {
    ServeFixture.digitsRepository(repo);
    int cap = 4;
    try (ServeFixture f = ServeFixture.start(repo, ServeLimits.defaults(), null, null, cap)) {
      List<Socket> sockets = new ArrayList<>();
      try {
        for (int i = 0; i < 3 * cap; i++) {
          Socket s = new Socket("127.0.0.1", f.server.port());
          s.getOutputStream().write("GET /v2/hea".getBytes(StandardCharsets.ISO_8859_1));  // stalls mid-line
          s.getOutputStream().flush();
          sockets.add(s);
          Thread.sleep(20);  // in order of arrival
        }
        // evictions are asynchronous (each on its connection's event loop): wait until 2 x cap connections are seen
        // closed (a fixed 1 s sleep was not always enough on a loaded machine), then give every other one half a
        // second more to show an eviction too many
        java.util.Set<Socket> closedOnes = new java.util.HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (closedOnes.size() < 2 * cap && System.nanoTime() < deadline) {
          for (Socket s : sockets) {
            if (!closedOnes.contains(s) && isClosed(s, 20)) {
              closedOnes.add(s);
            }
          }
        }
        Socket open = null;
        for (Socket s : sockets) {
          if (!closedOnes.contains(s)) {
            if (isClosed(s, 500)) {
              closedOnes.add(s);
            } else {
              open = s;
            }
          }
        }
        int closed = closedOnes.size();
        boolean firstClosed = closedOnes.contains(sockets.get(0));
        // which ones depends on the order their connections became active (two event loops); how many does not
        assertEquals(2 * cap, closed, "connections without a token past the cap make room, oldest first");
        assertTrue(firstClosed, "the oldest connection is the first to go");
        assertTrue(open != null);
        // one still open can finish its request
        Socket last = open;
        last.setSoTimeout(10_000);
        byte[] rest = "lth/live HTTP/1.1\r\nHost: gate\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        last.getOutputStream().write(rest);
        Answer a = HttpFuzzTest.readAnswer(last.getInputStream(), rest);
        assertEquals(200, a.status(), a.body());
      } finally {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }

  /** Whether the server has closed s (end of stream or a reset) within timeoutMillis; false if it stays silent. */
  private static boolean isClosed(Socket s, int timeoutMillis) throws IOException {
    s.setSoTimeout(timeoutMillis);
    try {
      return s.getInputStream().read() == -1;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  @Test
  void versionsTokensBodiesAndCodingsAreDecidedFromTheHeaders() throws Exception {
    ServeFixture.digitsRepository(repo);
    try (ServeFixture f = ServeFixture.start(repo)) {
      int port = f.server.port();
      String auth = "Authorization: Bearer " + ServeFixture.TOKEN;
      // HTTP/2.0 (and the HTTP/2 preface) is not answered as if it were 1.1
      Answer v2 = exchange(port, head("GET", "/v2/health/live", "HTTP/2.0"));
      assertEquals(505, v2.status(), v2.body());
      assertTrue(v2.body().contains("HTTP/2.0"), v2.body());
      assertEquals(505, exchange(port, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").status());
      assertEquals(200, exchange(port, head("GET", "/v2/health/live", "HTTP/1.0")).status());
      // the open endpoints take no large body without a token (and no chunked one)
      Answer big = exchange(port, head("GET", "/v2/health/live", "HTTP/1.1", "Content-Length: " + MIB));
      assertEquals(413, big.status(), big.body());
      assertEquals(413, exchange(port, head("GET", "/v2/health/ready", "HTTP/1.1", "Transfer-Encoding: chunked"))
          .status());
      // a compressed body is refused, not parsed as if plain
      ByteArrayOutputStream gz = new ByteArrayOutputStream();
      try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
        z.write(HttpFuzzTest.VALID_BODY.getBytes(StandardCharsets.UTF_8));
      }
      byte[] body = gz.toByteArray();
      String h = head("POST", "/v2/models/digits/versions/1/infer", "HTTP/1.1", auth, "Connection: close",
          "Content-Encoding: gzip", "Content-Length: " + body.length);
      Answer zipped = HttpFuzzTest.send(port, HttpFuzzTest.concat(h.getBytes(StandardCharsets.ISO_8859_1), body));
      assertEquals(415, zipped.status(), zipped.body());
      assertTrue(zipped.body().contains("Content-Encoding"), zipped.body());
      byte[] plain = HttpFuzzTest.VALID_BODY.getBytes(StandardCharsets.UTF_8);
      String id = head("POST", "/v2/models/digits/versions/1/infer", "HTTP/1.1", auth, "Connection: close",
          "Content-Encoding: identity", "Content-Length: " + plain.length);
      assertEquals(200, HttpFuzzTest.send(port, HttpFuzzTest.concat(id.getBytes(StandardCharsets.ISO_8859_1),
          plain)).status());
      // a refused request keeps its place among pipelined ones: inference first, then the 401
      byte[] pipelined = HttpFuzzTest.concat(HttpFuzzTest.post(plain).clone(), head("GET", "/v2/models/digits",
          "HTTP/1.1").getBytes(StandardCharsets.ISO_8859_1));
      String keepAlive = new String(pipelined, StandardCharsets.ISO_8859_1).replaceFirst("Connection: close\r\n", "");
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(30_000);
        s.getOutputStream().write(keepAlive.getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(200, HttpFuzzTest.readAnswer(s.getInputStream(), pipelined).status());
        Answer second = HttpFuzzTest.readAnswer(s.getInputStream(), pipelined);
        assertEquals(401, second.status(), second.body());
        assertEquals(-1, s.getInputStream().read(), "the connection closes after a refusal");
      }
    }
  }
  /**
   * The flake CI met (ProtocolConformanceTest, "header parser received no bytes"): a body over the limit is answered
   * 413 from its declared length, and if the server then closed at once, the body still arriving was answered with a
   * reset that could take the 413 with it. Each client here sends the whole oversized body, and only then reads; every
   * one must get the 413 and its JSON error, then the end of the connection.
   */
  @Test
  void aRefusalBeforeTheBodyIsNotLostToAReset() throws Exception {
    ServeFixture.digitsRepository(repo);
    try (ServeFixture f = ServeFixture.start(repo, ServeLimits.defaults().withMaxMessageBytes(64 << 10), null)) {
      byte[] body = new byte[512 << 10];
      java.util.Arrays.fill(body, (byte) ' ');
      String auth = "Authorization: Bearer " + ServeFixture.TOKEN;
      for (int round = 0; round < 20; round++) {
        String[] headers = round % 2 == 0
            ? new String[] {auth, "Content-Type: application/json", "Content-Length: " + body.length}
            : new String[] {"Content-Type: application/json", "Content-Length: " + body.length};  // 401, unread
        byte[] h = head("POST", "/v2/models/digits/infer", "HTTP/1.1", headers).getBytes(StandardCharsets.ISO_8859_1);
        try (Socket s = new Socket("127.0.0.1", f.server.port())) {
          s.setSoTimeout(30_000);
          OutputStream out = s.getOutputStream();
          out.write(HttpFuzzTest.concat(h, body));
          out.flush();
          Thread.sleep(50);  // the answer and the server's close are on their way before the client reads
          Answer a = HttpFuzzTest.readAnswer(s.getInputStream(), h);
          assertEquals(round % 2 == 0 ? 413 : 401, a.status(), "round " + round + ": " + a.body());
          assertTrue(a.body().contains("\"error\""), a.body());
          assertEquals(-1, s.getInputStream().read(), "round " + round + ": the connection ends after the refusal");
        }
      }
    }
  }
}

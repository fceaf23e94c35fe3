package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raw bytes at the HTTP server: garbage, fuzzed paths, headers and framing, mutated JSON bodies and mutated whole
 * requests. Each must be answered with a 2xx or a 4xx carrying {"error": ...} (never 5xx, never a crash), and the
 * server keeps serving valid inference with the right result throughout. Size: -Dedgewise.fuzz.cases.
 */
class HttpFuzzTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String VALID_BODY = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 1, 8, 8], \"datatype\": \"FP32\", "
      + "\"data\": [" + "0.5,".repeat(63) + "0.5]}], \"outputs\": [{\"name\": \"logits\"}]}";
  static final String[] PATHS = {"/v2", "/v2/health/live", "/v2/models/digits", "/v2/models/digits/versions/1",
      "/v2/models/digits/ready", "/v2/models/digits/versions/1/infer", "/metrics"};
  static final String[] PATH_PIECES = {"/", "..", "%2F", "%2e%2e", "%00", "%zz", "%", "~", "digits", "versions",
      "infer", "ready", "1", "-1", "\u00e9", "\ud83d\ude00", "?x=1", "#f", "//", "v2", "models", ";", "%20", "\\"};

  @TempDir
  Path repo;

  record Answer(int status, String body) {}

  @Test
  void malformedRequestsGetClientErrorsAndTheServerKeepsServing() throws Exception {
    ServeFixture.digitsRepository(repo);
    int cases = Integer.getInteger("edgewise.fuzz.cases", 300);
    Random rnd = new Random(Long.getLong("edgewise.fuzz.seed", 6L));
    ServeLimits limits = ServeLimits.defaults().withIdleTimeout(Duration.ofMillis(500));
    try (ServeFixture f = ServeFixture.start(repo, limits, null);
        EdgewiseClient client = EdgewiseClient.builder(f.url()).token(ServeFixture.TOKEN).build();
        Tensor x = Tensor.allocate(io.edgewise.tensor.DType.FLOAT32, Shape.of(1, 1, 8, 8))) {
      float[] expected = infer(client, x);
      int[] byClass = new int[6];
      for (int c = 0; c < cases; c++) {
        byte[] request = switch (c % 20) {
          case 0, 1, 2 -> garbage(rnd);
          case 3, 4, 5, 6, 7 -> get(fuzzPath(rnd), headers(rnd));
          case 8, 9, 10, 11 -> get(PATHS[rnd.nextInt(PATHS.length)], headers(rnd));
          case 12, 13, 14, 15, 16, 17 -> post(InferRequestFuzzTest.mutate(VALID_BODY.getBytes(StandardCharsets.UTF_8),
              rnd));
          default -> InferRequestFuzzTest.mutate(post(VALID_BODY.getBytes(StandardCharsets.UTF_8)), rnd);
        };
        Answer a = send(f.server.port(), request);
        String shown = new String(request, StandardCharsets.ISO_8859_1);
        // 505 is the right answer to a request line mutated into another HTTP version (HTTP/3.1, HTTQ/1.1)
        if ((a.status() >= 500 && a.status() != 505) || a.status() < 200) {
          fail("case " + c + ": status " + a.status() + " " + a.body() + " for:\n" + shown);
        }
        if (a.status() >= 400) {
          JsonNode err = JSON.readTree(a.body());
          assertTrue(err != null && err.has("error"), "case " + c + ": no error object: " + a.body());
        }
        byClass[a.status() / 100]++;
        if (c % 25 == 24) {
          assertArrayEquals(expected, infer(client, x), "after case " + c);
        }
      }
      assertArrayEquals(expected, infer(client, x));
      assertTrue(byClass[4] > cases / 2, "most fuzzed requests should be refused: " + java.util.Arrays.toString(byClass));
    }
  }

  @Test
  void aStalledRequestGets408AndAnIdleConnectionIsClosed() throws Exception {
    ServeFixture.digitsRepository(repo);
    ServeLimits limits = ServeLimits.defaults().withIdleTimeout(Duration.ofMillis(200));
    try (ServeFixture f = ServeFixture.start(repo, limits, null)) {
      byte[] partial = ("POST /v2/models/digits/infer HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
          + ServeFixture.TOKEN + "\r\nContent-Length: 100\r\n\r\n{\"inputs\"").getBytes(StandardCharsets.UTF_8);
      Answer a = send(f.server.port(), partial);
      assertEquals(408, a.status(), a.body());
      assertTrue(a.body().contains("not completed in time"), a.body());
      // headers that stop half-way (found by the fuzzer at nightly size: a mutant lost its blank line) decode to
      // nothing, and still get their 408
      Answer head = send(f.server.port(), ("POST /v2/models/digits/infer HTTP/1.1\r\nHost: x\r\nContent-Le")
          .getBytes(StandardCharsets.UTF_8));
      assertEquals(408, head.status(), head.body());
      try (Socket s = new Socket("127.0.0.1", f.server.port())) {
        s.setSoTimeout(30_000);
        assertEquals(-1, s.getInputStream().read(), "an idle connection is closed without an answer");
      }
    }
  }

  /**
   * Large bodies without a valid token (the memory probe, fuzzed): declared sizes up to 64 MiB, with no
   * token, a wrong one or a truncated one, fixed-length or chunked, with or without Expect: 100-continue, to the
   * infer and the open endpoints, several clients at once. Each is answered from its headers (401, or 413 for an
   * open endpoint) with the body still unsent, the server's buffers (counted by its allocator) stay within the
   * per-connection bound, and valid inference keeps working. Size: -Dedgewise.fuzz.cases / 10 requests.
   */
  @Test
  void largeUnauthenticatedBodiesAreAnsweredFromTheHeadersWithBoundedBuffers() throws Exception {
    ServeFixture.digitsRepository(repo);
    int cases = Math.max(8, Integer.getInteger("edgewise.fuzz.cases", 300) / 10);
    int parallel = 4;
    CountingAllocator alloc = new CountingAllocator();
    try (ServeFixture f = ServeFixture.start(repo, ServeLimits.defaults(), null, alloc,
        io.edgewise.serve.http.HttpInferenceServer.MAX_UNAUTHENTICATED_CONNECTIONS);
        EdgewiseClient client = EdgewiseClient.builder(f.url()).token(ServeFixture.TOKEN).build();
        Tensor x = Tensor.allocate(io.edgewise.tensor.DType.FLOAT32, Shape.of(1, 1, 8, 8))) {
      float[] expected = infer(client, x);
      alloc.resetPeak();
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(parallel);
      try {
        for (int done = 0; done < cases; done += parallel) {
          List<java.util.concurrent.Future<?>> round = new java.util.ArrayList<>();
          for (int k = 0; k < parallel && done + k < cases; k++) {
            long seed = Long.getLong("edgewise.fuzz.seed", 6L) * 1_000_003L + done + k;
            round.add(pool.submit(() -> {
              largeUnauthenticated(f.server.port(), new Random(seed));
              return null;
            }));
          }
          for (java.util.concurrent.Future<?> r : round) {
            r.get(60, java.util.concurrent.TimeUnit.SECONDS);
          }
          assertArrayEquals(expected, infer(client, x), "after case " + done);
        }
      } finally {
        pool.shutdownNow();
      }
      long bound = parallel * io.edgewise.serve.http.HttpInferenceServer.MAX_UNAUTHENTICATED_CONNECTION_BYTES;
      System.out.printf("http fuzz: %d large unauthenticated requests, %d at once; buffers peaked at %d bytes "
          + "(bound %d)%n", cases, parallel, alloc.peak(), bound);
      assertTrue(alloc.total() > 0, "the counting allocator saw no buffer: it is not the server's");
      assertTrue(alloc.peak() <= bound, "peak " + alloc.peak() + " > " + bound);
    }
  }

  private static void largeUnauthenticated(int port, Random rnd) throws IOException {
    long declared = (64 << 10) + (long) (rnd.nextDouble() * (63L << 20));
    boolean chunked = rnd.nextInt(3) == 0;
    boolean expect = rnd.nextInt(4) == 0;
    String path = rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? "/v2/health/live" : "/v2/health/ready")
        : PATHS[rnd.nextInt(PATHS.length)];
    boolean open = path.startsWith("/v2/health/");
    StringBuilder h = new StringBuilder((rnd.nextBoolean() ? "POST " : "GET ") + path + " HTTP/1.1\r\nHost: fuzz\r\n");
    switch (rnd.nextInt(3)) {
      case 0 -> { }
      case 1 -> h.append("Authorization: Bearer ").append(ServeFixture.TOKEN, 0, rnd.nextInt(ServeFixture.TOKEN.length()))
          .append("\r\n");
      default -> h.append("Authorization: Bearer ").append(randomText(rnd, 40).strip()).append("x\r\n");
    }
    h.append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + declared + "\r\n");
    if (expect) {
      h.append("Expect: 100-continue\r\n");
    }
    h.append("\r\n");
    byte[] head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      var out = s.getOutputStream();
      out.write(head);
      if (!expect && !open) {
        // some body already on its way (within the sockets' buffers, so the write cannot block on the server)
        byte[] some = new byte[rnd.nextInt(64 * 1024)];
        out.write(chunked ? chunk(some) : some);
      }
      out.flush();
      Answer a = readAnswer(s.getInputStream(), head);
      int want = open ? 413 : 401;  // or 400 when the fuzzed token is not a valid header value at all
      assertTrue(a.status() == want || a.status() == 400, a.status() + " " + a.body() + " for:\n" + h);
      JsonNode err = JSON.readTree(a.body());
      assertTrue(err != null && err.has("error"), a.body());
      // more of the body (up to 2 MiB): dropped unbuffered by the server, which closes at its end or the limit
      byte[] more = new byte[64 * 1024];
      try {
        for (int i = 0; i < 32; i++) {
          out.write(chunked ? chunk(more) : more);
        }
      } catch (IOException closed) {
        // expected where the server does not read the body (declared over the limit, Expect, open endpoints)
      }
    }
  }

  private static byte[] chunk(byte[] data) {
    return concat(concat((Integer.toHexString(Math.max(1, data.length)) + "\r\n").getBytes(StandardCharsets.ISO_8859_1),
        data.length == 0 ? new byte[] {'x'} : data), "\r\n".getBytes(StandardCharsets.ISO_8859_1));
  }

  static float[] infer(EdgewiseClient client, Tensor x) {
    Map<String, Tensor> out = client.infer("digits", "1", Map.of("input", x), false);
    try {
      return out.get("logits").toFloatArray();
    } finally {
      out.values().forEach(Tensor::close);
    }
  }

  static byte[] garbage(Random rnd) {
    byte[] b = new byte[1 + rnd.nextInt(300)];
    rnd.nextBytes(b);
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '\r' || b[i] == '\n') {
        b[i] = 'x';  // keep it one line, so the end of the request is certain
      }
    }
    return concat(b, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
  }

  static String fuzzPath(Random rnd) {
    StringBuilder p = new StringBuilder(rnd.nextBoolean() ? "/v2/models/" : "/");
    int n = 1 + rnd.nextInt(6);
    for (int i = 0; i < n; i++) {
      p.append(PATH_PIECES[rnd.nextInt(PATH_PIECES.length)]);
    }
    if (rnd.nextInt(10) == 0) {
      p.append("a".repeat(5000));  // beyond the request-line limit
    }
    return p.toString();
  }

  static String headers(Random rnd) {
    StringBuilder h = new StringBuilder();
    switch (rnd.nextInt(8)) {
      case 0 -> h.append("Authorization: Bearer ").append(ServeFixture.TOKEN, 0, rnd.nextInt(ServeFixture.TOKEN.length()))
          .append("\r\n");
      case 1 -> h.append("Authorization: ").append(randomText(rnd, 40)).append("\r\n");
      case 2 -> h.append("X-").append(randomText(rnd, 10).replace(":", "")).append(": ").append(randomText(rnd, 60))
          .append("\r\n").append("Authorization: Bearer ").append(ServeFixture.TOKEN).append("\r\n");
      case 3 -> h.append("X-Big: ").append("b".repeat(9000)).append("\r\n");
      case 4 -> h.append("Content-Length: ").append(new String[] {"-1", "abc", "99999999999999999999", "1, 2"}
          [rnd.nextInt(4)]).append("\r\n");
      case 5 -> h.append("Transfer-Encoding: chunked\r\n\r\nzz\r\n");
      case 6 -> h.append(randomText(rnd, 30)).append("\r\n");
      default -> h.append("Authorization: Bearer ").append(ServeFixture.TOKEN).append("\r\n");
    }
    return h.toString();
  }

  static String randomText(Random rnd, int max) {
    StringBuilder s = new StringBuilder();
    int n = rnd.nextInt(max + 1);
    for (int i = 0; i < n; i++) {
      char c = (char) (0x20 + rnd.nextInt(0x5f));
      s.append(rnd.nextInt(20) == 0 ? (char) rnd.nextInt(0x20) : c);
    }
    return s.toString().replace("\r", "").replace("\n", "");
  }

  static byte[] get(String path, String headers) {
    return ("GET " + path + " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n" + headers + "\r\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  static byte[] post(byte[] body) {
    byte[] head = ("POST /v2/models/digits/versions/1/infer HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n"
        + "Authorization: Bearer " + ServeFixture.TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: "
        + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    return concat(head, body);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Sends raw bytes on a fresh connection and reads one response (status line, headers, Content-Length body). */
  static Answer send(int port, byte[] request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      return readAnswer(s.getInputStream(), request);
    }
  }

  /** Reads one HTTP response from the stream. */
  static Answer readAnswer(InputStream in, byte[] request) throws IOException {
    {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int matched = 0;
      while (matched < 4) {
        int b = in.read();
        if (b < 0) {
          fail("the connection closed without an answer to:\n" + new String(request, StandardCharsets.ISO_8859_1));
        }
        head.write(b);
        matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      String h = head.toString(StandardCharsets.ISO_8859_1);
      int status = Integer.parseInt(h.substring(9, 12));
      int length = 0;
      for (String line : h.split("\r\n")) {
        if (line.toLowerCase().startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).strip());
        }
      }
      byte[] body = in.readNBytes(length);
      return new Answer(status, new String(body, StandardCharsets.UTF_8));
    }
  }
}

package io.edgewise.serve.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.peer.PeerMessage.Error;
import io.edgewise.serve.peer.PeerMessage.Hello;
import io.edgewise.serve.peer.PeerMessage.PartialInfer;
import io.edgewise.serve.peer.PeerMessage.Ping;
import io.edgewise.serve.peer.PeerMessage.ReuseResult;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The peer server's contract: authentication, typed errors, deadlines, backpressure, TLS, the reuse hook. */
class PeerServerTest {
  static final String TOKEN = "peer-server-test-token-42";
  static Path modelDir;
  static String hash;

  @BeforeAll
  static void model() {
    modelDir = TestData.model("digits_cnn_0to9");
    hash = DirectoryModelResolver.sha256(modelDir.resolve("model.onnx"));
  }

  static PeerServerConfig config() {
    return PeerServerConfig.of(0, new DirectoryModelResolver(List.of(modelDir)), TOKEN);
  }

  static Tensor input() {
    return TensorProtos.readFile(modelDir.resolve("test_data_set_0/input_0.pb"));
  }

  static String inputName() {
    try (Session s = Session.open(modelDir.resolve("model.onnx"), SessionOptions.defaults())) {
      return s.inputs().get(0).name();
    }
  }

  static PeerClientConfig client(int port) {
    return PeerClientConfig.of("127.0.0.1", port, TOKEN);
  }

  @Test
  void helloRulesTheConnection() throws Exception {
    try (PeerServer server = new PeerServer(config())) {
      int port = server.start();
      PeerException bad = assertThrows(PeerException.class,
          () -> PeerClient.connect(PeerClientConfig.of("127.0.0.1", port, "wrong-token-wrong-token")));
      assertEquals(PeerErrorCode.UNAUTHENTICATED, bad.peerCode());
      try (RawPeerSocket s = new RawPeerSocket(port)) {  // anything before HELLO
        s.send(new PeerFrame(1, new Ping(1, new byte[0])));
        List<PeerFrame> frames = s.readUntilClosed();
        assertEquals(PeerErrorCode.UNAUTHENTICATED, ((Error) frames.get(0).message()).code());
      }
      try (RawPeerSocket s = new RawPeerSocket(port)) {  // versions the server does not speak
        s.send(new PeerFrame(1, new Hello(2, 3, TOKEN, "future")));
        assertEquals(PeerErrorCode.UNSUPPORTED_VERSION, ((Error) s.readUntilClosed().get(0).message()).code());
      }
      try (RawPeerSocket s = new RawPeerSocket(port)) {  // a second HELLO
        s.send(new PeerFrame(1, new Hello(1, 1, TOKEN, "twice")));
        s.send(new PeerFrame(2, new Hello(1, 1, TOKEN, "twice")));
        List<PeerFrame> frames = s.readUntilClosed();
        assertInstanceOf(PeerMessage.Capabilities.class, frames.get(0).message());
        assertEquals(PeerErrorCode.PROTOCOL_VIOLATION, ((Error) frames.get(1).message()).code());
      }
      try (PeerClient c = PeerClient.connect(client(port))) {
        assertEquals(List.of(new PeerMessage.ModelInfo("digits_cnn_0to9", hash)), c.capabilities().models());
        assertTrue(c.ping(0) > 0);
        assertTrue(c.ping(100_000) > 0);
      }
    }
  }

  @Test
  void anInferenceIsCountedInFlightUntilItsAnswerAndAPingIsNot() throws Exception {
    // 300 ms each way: a partial inference is in flight for at least 600 ms, long enough to be seen from here
    EmulatedLink.Conditions slow = new EmulatedLink.Conditions(1000, 300);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    String name = inputName();
    try (PeerServer server = new PeerServer(config().withPipelineHook(p -> p.addFirst("emulated-link",
        new EmulatedLink(slow))));
        Tensor x = input()) {
      int port = server.start();
      try (PeerClient c = PeerClient.connect(client(port).withRequestTimeout(Duration.ofSeconds(30)))) {
        assertEquals(0, c.inferencesInFlight());
        Future<Long> ping = pool.submit(() -> c.ping(0));
        int seenDuringPing = 0;
        while (!ping.isDone()) {
          seenDuringPing = Math.max(seenDuringPing, c.inferencesInFlight());
          Thread.sleep(1);
        }
        assertTrue(ping.get() > 0);
        assertEquals(0, seenDuringPing, "a ping is not an inference");
        Future<?> call = pool.submit(() -> {
          try (PeerClient.PartialResult r = c.partialInfer(hash, Map.of(name, x), TensorEncoding.FP32,
              TensorEncoding.FP32, List.of(), Duration.ofSeconds(30))) {
            return r.outputs().size();
          }
        });
        int seen = 0;
        while (!call.isDone()) {
          seen = Math.max(seen, c.inferencesInFlight());
          Thread.sleep(1);
        }
        call.get();
        assertEquals(1, seen);
        assertEquals(0, c.inferencesInFlight());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void partialInferenceErrorsAreTyped() {
    try (PeerServer server = new PeerServer(config()); Tensor x = input()) {
      int port = server.start();
      try (PeerClient c = PeerClient.connect(client(port))) {
        PeerException unknown = assertThrows(PeerException.class, () -> c.partialInfer("00" + hash.substring(2),
            Map.of(inputName(), x), TensorEncoding.FP32, TensorEncoding.FP32, List.of(), null));
        assertEquals(PeerErrorCode.UNKNOWN_MODEL, unknown.peerCode());
        PeerException cut = assertThrows(PeerException.class, () -> c.partialInfer(hash, Map.of("not_a_value", x),
            TensorEncoding.FP32, TensorEncoding.FP32, List.of(), null));
        assertEquals(PeerErrorCode.INVALID_CUT, cut.peerCode(), cut.getMessage());
        try (Tensor wrong = Tensor.allocate(io.edgewise.tensor.DType.FLOAT32, Shape.of(1, 1, 3, 3))) {
          PeerException shape = assertThrows(PeerException.class, () -> c.partialInfer(hash,
              Map.of(inputName(), wrong), TensorEncoding.FP32, TensorEncoding.FP32, List.of(), null));
          assertEquals(PeerErrorCode.INVALID_ARGUMENT, shape.peerCode(), shape.getMessage());
        }
        // the connection survives request-level errors
        try (PeerClient.PartialResult r = c.partialInfer(hash, Map.of(inputName(), x), TensorEncoding.FP16,
            TensorEncoding.FP32, List.of(), Duration.ofSeconds(30))) {
          assertEquals(1, r.outputs().size());
        }
      }
    }
  }

  @Test
  void workQueuedPastItsDeadlineIsNeverRun() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocking = new CountDownLatch(1);
    // one worker, occupied by a reuse look-up that waits for the latch
    PeerServerConfig cfg = config().withLimits(PeerLimits.defaults().withWorkers(1)).withReuseHandler(r -> {
      blocking.countDown();
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return ReuseResult.miss();
    });
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (PeerServer server = new PeerServer(cfg); Tensor x = input(); Tensor feature = Tensor.ofFloats(Shape.of(2),
        1, 2)) {
      int port = server.start();
      // one connection, so that the ping below travels behind the CANCEL on the same channel
      try (PeerClient c = PeerClient.connect(client(port).withPoolSize(1))) {
        Future<ReuseResult> lookup = pool.submit(() -> c.reuseLookup(hash, "tap", feature, TensorEncoding.FP32));
        assertTrue(blocking.await(10, TimeUnit.SECONDS));
        PeerException late = assertThrows(PeerException.class, () -> c.partialInfer(hash, Map.of(inputName(), x),
            TensorEncoding.FP32, TensorEncoding.FP32, List.of(), Duration.ofMillis(100)));
        assertEquals(PeerErrorCode.DEADLINE_EXCEEDED, late.peerCode(), late.getMessage());
        // the client's own deadline can fire before the server's (which starts on receipt); its CANCEL then ends the
        // queued job, and a ping answered on the same channel proves the server handled that CANCEL before release
        c.ping(0);
        release.countDown();
        assertTrue(!lookup.get(10, TimeUnit.SECONDS).hit());
        assertEquals(0, c.load().completed(), "the expired request ran anyway");
      }
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void aResultFinishedAfterTheDeadlineIsDiscarded() {
    // the first request compiles the suffix (tens of ms) while running; the co-tenant hold (20x the compute time)
    // keeps it running longer still: a 2 ms deadline passes while it runs, and its result is discarded
    try (PeerServer server = new PeerServer(config().withLoadSlowdown(() -> 20)); Tensor x = input()) {
      int port = server.start();
      try (PeerClient c = PeerClient.connect(client(port))) {
        PeerException e = assertThrows(PeerException.class, () -> c.partialInfer(hash, Map.of(inputName(), x),
            TensorEncoding.FP32, TensorEncoding.FP32, List.of(), Duration.ofMillis(2)));
        assertEquals(PeerErrorCode.DEADLINE_EXCEEDED, e.peerCode());
      }
    }
  }

  @Test
  void inFlightLimitsPushBack() throws Exception {
    PeerServerConfig cfg = config().withLimits(PeerLimits.defaults().withInFlight(1, 16)).withLoadSlowdown(() -> 50);
    try (PeerServer server = new PeerServer(cfg); Tensor x = input()) {
      int port = server.start();
      // a raw client that ignores the limit: what was read past it is answered OVERLOADED, the rest runs
      try (RawPeerSocket s = new RawPeerSocket(port)) {
        s.send(new PeerFrame(1, new Hello(1, 1, TOKEN, "greedy")));
        s.read();
        ByteArrayBuilder burst = new ByteArrayBuilder();
        for (int i = 0; i < 4; i++) {
          Map<String, Tensor> t = new LinkedHashMap<>(Map.of(inputName(), x));
          burst.add(RawPeerSocket.bytes(new PeerFrame(10 + i, new PartialInfer(hash, 0, TensorEncoding.FP32,
              List.of(), t, TensorEncoding.FP32))));
        }
        s.send(burst.bytes());
        int results = 0;
        int overloaded = 0;
        for (int i = 0; i < 4; i++) {
          try (PeerFrame f = s.read()) {
            if (f.message() instanceof PeerMessage.Result) {
              results++;
            } else if (((Error) f.message()).code() == PeerErrorCode.OVERLOADED) {
              overloaded++;
            }
          }
        }
        assertTrue(results >= 1 && overloaded >= 1, results + " results, " + overloaded + " overloaded");
        assertEquals(4, results + overloaded);
      }
      // the client respects the limit it was told: 6 concurrent calls over one connection all succeed
      ExecutorService pool = Executors.newFixedThreadPool(6);
      try (PeerClient c = PeerClient.connect(client(port).withPoolSize(1))) {
        List<Future<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          calls.add(pool.submit(() -> {
            try (PeerClient.PartialResult r = c.partialInfer(hash, Map.of(inputName(), x), TensorEncoding.FP32,
                TensorEncoding.FP32, List.of(), Duration.ofSeconds(30))) {
              return r.outputs().size();
            }
          }));
        }
        for (Future<Integer> f : calls) {
          assertEquals(1, f.get(60, TimeUnit.SECONDS));
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void idempotentCallsSurviveADroppedConnection() throws Exception {
    // the server closes connections idle for 100 ms; the client's next calls reconnect (or retry) on their own
    try (PeerServer server = new PeerServer(config().withLimits(PeerLimits.defaults().withIdleTimeoutMillis(100)))) {
      int port = server.start();
      try (PeerClient c = PeerClient.connect(client(port).withPoolSize(1))) {
        assertTrue(c.ping(0) > 0);
        Thread.sleep(400);
        assertTrue(c.ping(0) > 0);
        assertEquals(0, c.load().inFlight());
      }
    }
  }

  @Test
  void tlsWithASelfSignedCertificate() throws Exception {
    SelfSignedCertificate cert = new SelfSignedCertificate("localhost", "EC", 256);
    try {
      SslContext serverTls = SslContextBuilder.forServer(cert.certificate(), cert.privateKey()).build();
      SslContext clientTls = SslContextBuilder.forClient().trustManager(cert.cert()).build();
      try (PeerServer server = new PeerServer(config().withTls(serverTls)); Tensor x = input()) {
        int port = server.start();
        try (PeerClient c = PeerClient.connect(PeerClientConfig.of("localhost", port, TOKEN).withTls(clientTls));
            PeerClient.PartialResult r = c.partialInfer(hash, Map.of(inputName(), x), TensorEncoding.FP32,
                TensorEncoding.FP32, List.of(), Duration.ofSeconds(30))) {
          assertEquals(1, r.outputs().size());
        }
        PeerClientConfig plain = client(port).withRetries(0);
        assertThrows(PeerException.class, () -> PeerClient.connect(plain).close());
      }
    } finally {
      cert.delete();
    }
  }

  @Test
  void reuseLookupsReachTheRegisteredHandler() {
    try (PeerServer none = new PeerServer(config()); Tensor f = Tensor.ofFloats(Shape.of(3), 0.5f, 1.5f, -2f)) {
      int port = none.start();
      try (PeerClient c = PeerClient.connect(client(port))) {
        PeerException e = assertThrows(PeerException.class, () -> c.reuseLookup(hash, "tap", f,
            TensorEncoding.FP16));
        assertEquals(PeerErrorCode.NOT_IMPLEMENTED, e.peerCode());
      }
    }
    try (PeerServer server = new PeerServer(config().withReuseHandler(r -> {
      float[] v = r.feature().toFloatArray();
      return new ReuseResult(v[2] < 0, 7, 0.75f, "store:" + r.tapPoint(),
          new LinkedHashMap<>(Map.of("echo", Tensor.ofFloats(Shape.of(3), v))));
    })); Tensor f = Tensor.ofFloats(Shape.of(3), 0.5f, 1.5f, -2f)) {
      int port = server.start();
      try (PeerClient c = PeerClient.connect(client(port));
          ReuseResult r = c.reuseLookup(hash, "layer4", f, TensorEncoding.FP16)) {
        assertTrue(r.hit());
        assertEquals(7, r.label());
        assertEquals("store:layer4", r.origin());
        assertArrayEquals(new float[] {0.5f, 1.5f, -2f}, r.results().get("echo").toFloatArray());
      }
      assertNull(null);
    }
  }

  /** Concatenates frames into one write. */
  static final class ByteArrayBuilder {
    private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

    void add(byte[] b) {
      out.writeBytes(b);
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}

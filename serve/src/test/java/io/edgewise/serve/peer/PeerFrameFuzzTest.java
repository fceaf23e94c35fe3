package io.edgewise.serve.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.serve.peer.PeerMessage.Error;
import io.edgewise.serve.peer.PeerMessage.Hello;
import io.edgewise.serve.peer.PeerMessage.PartialInfer;
import io.edgewise.tensor.Tensor;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the frame decoder, in-process and against a live server: random bytes and mutated valid frames (bit
 * flips, truncation, insertions, rewritten length prefixes). In-process, decoding throws nothing but a typed
 * PeerException and leaks no tensor; on the server, a bad frame ends that connection with a typed ERROR (or a plain
 * close), never a hang, and the server keeps serving other clients correctly. Case count:
 * -Dedgewise.peer.fuzz.cases (default 200; nightly runs raise it).
 */
class PeerFrameFuzzTest {
  private static final int CASES = Integer.getInteger("edgewise.peer.fuzz.cases", 200);

  @org.junit.jupiter.api.BeforeAll
  static void model() {
    PeerServerTest.model();
  }

  private static byte[][] seeds(Tensor x, String input, String hash) {
    Map<String, Tensor> crossing = new LinkedHashMap<>(Map.of(input, x));
    return new byte[][] {
        RawPeerSocket.bytes(new PeerFrame(1, new Hello(1, 1, PeerServerTest.TOKEN, "fuzz"))),
        RawPeerSocket.bytes(new PeerFrame(2, new PeerMessage.Ping(5, new byte[16]))),
        RawPeerSocket.bytes(new PeerFrame(3, new PeerMessage.LoadQuery())),
        RawPeerSocket.bytes(new PeerFrame(4, new PartialInfer(hash, 5_000_000, TensorEncoding.FP32, List.of(),
            crossing, TensorEncoding.FP32))),
        RawPeerSocket.bytes(new PeerFrame(5, new PartialInfer(hash, 5_000_000, TensorEncoding.INT8, List.of(),
            crossing, TensorEncoding.INT8))),
        RawPeerSocket.bytes(new PeerFrame(6, new PeerMessage.Cancel()))};
  }

  static byte[] mutate(byte[] seed, Random r) {
    byte[] b = seed.clone();
    switch (r.nextInt(5)) {
      case 0 -> {  // bit flips, mostly in the headers where they matter most
        for (int k = 1 + r.nextInt(4); k > 0; k--) {
          int i = r.nextInt(Math.min(b.length, r.nextBoolean() ? 64 : b.length));
          b[i] ^= (byte) (1 << r.nextInt(8));
        }
      }
      case 1 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length));  // truncated
      case 2 -> {  // the length prefix lies
        int len = r.nextBoolean() ? r.nextInt() : (b.length - 4) + r.nextInt(9) - 4;
        b[0] = (byte) (len >>> 24);
        b[1] = (byte) (len >>> 16);
        b[2] = (byte) (len >>> 8);
        b[3] = (byte) len;
      }
      case 3 -> {  // bytes inserted inside the payload, length fixed up so the frame is "well framed"
        int at = 4 + r.nextInt(Math.max(1, b.length - 4));
        byte[] extra = new byte[1 + r.nextInt(8)];
        r.nextBytes(extra);
        byte[] out = new byte[b.length + extra.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(extra, 0, out, at, extra.length);
        System.arraycopy(b, at, out, at + extra.length, b.length - at);
        int len = out.length - 4;
        out[0] = (byte) (len >>> 24);
        out[1] = (byte) (len >>> 16);
        out[2] = (byte) (len >>> 8);
        out[3] = (byte) len;
        b = out;
      }
      default -> {  // random garbage of random length
        b = new byte[r.nextInt(64)];
        r.nextBytes(b);
      }
    }
    return b;
  }

  @Test
  void decoderThrowsOnlyTypedErrorsAndLeaksNothing() {
    Random r = new Random(11);
    try (Tensor x = PeerServerTest.input()) {
      byte[][] seeds = seeds(x, "input", "h");
      long live = Tensor.liveCount();
      int decoded = 0;
      for (int i = 0; i < CASES * 20; i++) {
        byte[] b = mutate(seeds[r.nextInt(seeds.length)], r);
        if (b.length < 4) {
          continue;
        }
        // as the frame decoder passes it: without the length prefix
        PeerErrorCode code = PeerCodecTest.decodeError(java.util.Arrays.copyOfRange(b, 4, b.length));
        decoded += code == null ? 1 : 0;
      }
      assertEquals(live, Tensor.liveCount(), "decoding leaked tensors");
      assertTrue(decoded < CASES * 20, "no mutation was ever refused");
    }
  }

  @Test
  void badFramesCloseOnlyTheirConnection() throws Exception {
    Random r = new Random(7);
    Map<PeerErrorCode, Integer> seen = new EnumMap<>(PeerErrorCode.class);
    PeerServerConfig cfg = PeerServerTest.config().withLimits(PeerLimits.defaults().withMaxFrameBytes(1 << 16)
        .withHelloTimeoutMillis(2000));
    long live = Tensor.liveCount();
    try (PeerServer server = new PeerServer(cfg); Tensor x = PeerServerTest.input()) {
      int port = server.start();
      String input = PeerServerTest.inputName();
      byte[][] seeds = seeds(x, input, PeerServerTest.hash);
      try (PeerClient good = PeerClient.connect(PeerServerTest.client(port))) {
        for (int i = 0; i < CASES; i++) {
          try (RawPeerSocket s = new RawPeerSocket(port)) {
            if (r.nextInt(3) > 0) {  // most cases attack after a valid HELLO, past authentication
              s.send(seeds[0]);
            }
            s.send(mutate(seeds[r.nextInt(seeds.length)], r));
            s.shutdownOutput();
            for (PeerFrame f : s.readUntilClosed()) {
              if (f.message() instanceof Error e) {
                seen.merge(e.code(), 1, Integer::sum);
              }
              f.close();
            }
          }
          if (i % 50 == 49) {  // meanwhile a well-behaved client on its own connection is served as usual
            assertTrue(good.ping(0) > 0);
          }
        }
        try (PeerClient.PartialResult res = good.partialInfer(PeerServerTest.hash, Map.of(input, x),
            TensorEncoding.FP32, TensorEncoding.FP32, List.of(), Duration.ofSeconds(30))) {
          assertEquals(1, res.outputs().size());
        }
      }
      try (PeerClient fresh = PeerClient.connect(PeerServerTest.client(port))) {
        assertTrue(fresh.ping(0) > 0, "the server stopped accepting");
      }
    }
    assertEquals(live, Tensor.liveCount(), "the server leaked tensors (inputs of refused frames, sessions, results)");
    assertTrue(seen.getOrDefault(PeerErrorCode.BAD_FRAME, 0) > 0, "no BAD_FRAME seen: " + seen);
    assertTrue(seen.keySet().stream().allMatch(c -> c != PeerErrorCode.INTERNAL), "internal errors: " + seen);
  }
}

package io.edgewise.serve.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.serve.CountingAllocator;
import io.edgewise.serve.peer.PeerMessage.Error;
import io.edgewise.serve.peer.PeerMessage.Hello;
import io.edgewise.serve.peer.PeerMessage.PartialInfer;
import io.edgewise.tensor.Tensor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Before HELLO the peer server reads only a small HELLO: the probe (large frames from unauthenticated
 * peers, 8 x 60 MiB took the server from 1.00 to 1.64 GB) with the server's buffers counted; and deadlines on the
 * wire are u64, so 2^63 and above are budgets too long to matter, not negative ones.
 */
class PeerBeforeHelloTest {
  static final int MIB = 1 << 20;

  @BeforeAll
  static void model() {
    PeerServerTest.model();
  }

  /** A frame header announcing length bytes of a message of the given type, then streaming filler until closed. */
  static long bigFrame(int port, int type, byte[] chunk, long deadlineNanos, List<PeerFrame> answers)
      throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      ByteBuf h = Unpooled.buffer();
      h.writeInt(60 * MIB).writeByte(PeerCodec.VERSION).writeByte(type).writeLong(1);
      byte[] head = new byte[h.readableBytes()];
      h.readBytes(head);
      h.release();
      long sent = 0;
      try {
        out.write(head);
        while (sent < 60L * MIB && System.nanoTime() < deadlineNanos) {
          out.write(chunk);
          sent += chunk.length;
        }
      } catch (IOException closedByTheServer) {
        // expected: refused from the length prefix
      }
      try {
        java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
        int n = in.readInt();
        byte[] body = new byte[n];
        in.readFully(body);
        ByteBuf b = Unpooled.wrappedBuffer(body);
        synchronized (answers) {
          answers.add(PeerCodec.decode(b, PeerLimits.defaults()));
        }
      } catch (IOException resetBeforeTheAnswerWasRead) {
        // the error frame may be lost to the reset of a connection closed with our bytes unread
      }
      return sent;
    }
  }

  @Test
  void largeFramesBeforeHelloAreRefusedFromTheirLengthAndNeverBuffered() throws Exception {
    CountingAllocator alloc = new CountingAllocator();
    PeerServerConfig cfg = PeerServerTest.config().withPipelineHook(p -> p.channel().config().setAllocator(alloc));
    int clients = 8;
    try (PeerServer server = new PeerServer(cfg)) {
      int port = server.start();
      byte[] chunk = new byte[64 * 1024];
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      List<PeerFrame> answers = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      long total = 0;
      try {
        List<Future<Long>> sent = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
          int type = i % 2 == 0 ? MessageType.PARTIAL_INFER.code() : MessageType.HELLO.code();  // a huge HELLO too
          sent.add(pool.submit(() -> bigFrame(port, type, chunk, deadline, answers)));
        }
        for (Future<Long> s : sent) {
          total += s.get(90, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      long bound = clients * (PeerFrameDecoder.MAX_UNAUTHENTICATED_FRAME_BYTES + 64L * 1024);
      System.out.printf("peer: %d unauthenticated 60 MiB frames (%.1f MiB sent in all); the server's buffers peaked "
          + "at %d bytes (bound %d)%n", clients, total / (double) MIB, alloc.peak(), bound);
      assertTrue(alloc.total() > 0, "the counting allocator saw no buffer: it is not the server's");
      assertTrue(alloc.peak() <= bound, "peak " + alloc.peak() + " > " + bound);
      assertTrue(total < (long) clients * 32 * MIB, "the server should stop reading: " + total);
      for (PeerFrame f : answers) {
        assertEquals(PeerErrorCode.FRAME_TOO_LARGE, ((Error) f.message()).code(), f.toString());
      }
      // an honest client still gets in
      try (PeerClient c = PeerClient.connect(PeerServerTest.client(port))) {
        assertTrue(c.ping(0) >= 0);
      }
    }
  }

  @Test
  void aSmallHelloStillWorksAndOnlyHelloMayComeFirst() throws Exception {
    try (PeerServer server = new PeerServer(PeerServerTest.config())) {
      int port = server.start();
      try (RawPeerSocket s = new RawPeerSocket(port)) {  // the largest HELLO a client can write is accepted
        String longName = "n".repeat(PeerLimits.MAX_STRING_BYTES);
        s.send(new PeerFrame(1, new Hello(1, 1, PeerServerTest.TOKEN, longName)));
        assertInstanceOf(PeerMessage.Capabilities.class, s.read().message());
      }
      try (RawPeerSocket s = new RawPeerSocket(port)) {  // a LOAD_QUERY header first: refused from its type byte
        s.send(new byte[] {0, 0, 0, 10, 1, (byte) MessageType.LOAD_QUERY.code()});
        List<PeerFrame> frames = s.readUntilClosed();
        assertEquals(PeerErrorCode.UNAUTHENTICATED, ((Error) frames.get(0).message()).code());
      }
    }
  }

  @Test
  void aDeadlineOfTwoToTheSixtyThirdOrMoreIsNoDeadline() throws Exception {
    // u64 2^63 and 2^64 - 1 on the wire read as negative longs: both decode as the longest budget
    for (long wire : new long[] {Long.MIN_VALUE, -1L}) {
      ByteBuf b = Unpooled.buffer();
      try (Tensor x = PeerServerTest.input()) {
        Map<String, Tensor> t = new LinkedHashMap<>(Map.of("in", x));
        PeerCodec.encode(new PeerFrame(7, new PartialInfer("h", wire, TensorEncoding.FP32, List.of(), t,
            TensorEncoding.FP32)), b);
      }
      b.skipBytes(4);
      try (PeerFrame f = PeerCodec.decode(b, PeerLimits.defaults())) {
        assertEquals(Long.MAX_VALUE, ((PartialInfer) f.message()).deadlineMicros());
      } finally {
        b.release();
      }
    }
    assertEquals(Long.MAX_VALUE, PeerServerHandler.budgetNanos(Long.MAX_VALUE));
    assertEquals(Long.MAX_VALUE, PeerServerHandler.budgetNanos(0));
    assertEquals(Long.MAX_VALUE, PeerServerHandler.budgetNanos(PeerServerHandler.MAX_BUDGET_MICROS));
    assertEquals(5_000_000L, PeerServerHandler.budgetNanos(5_000));
    // and a server runs such a request instead of refusing it
    try (PeerServer server = new PeerServer(PeerServerTest.config()); Tensor x = PeerServerTest.input()) {
      int port = server.start();
      try (RawPeerSocket s = new RawPeerSocket(port)) {
        s.send(new PeerFrame(1, new Hello(1, 1, PeerServerTest.TOKEN, "patient")));
        s.read();
        for (long wire : new long[] {Long.MIN_VALUE, -1L, Long.MAX_VALUE}) {
          Map<String, Tensor> t = new LinkedHashMap<>(Map.of(PeerServerTest.inputName(), x));
          s.send(new PeerFrame(2, new PartialInfer(PeerServerTest.hash, wire, TensorEncoding.FP32, List.of(), t,
              TensorEncoding.FP32)));
          try (PeerFrame f = s.read()) {
            assertInstanceOf(PeerMessage.Result.class, f.message(), "deadline " + Long.toUnsignedString(wire)
                + ": " + f.message());
          }
        }
      }
    }
  }
}

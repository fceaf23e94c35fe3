package io.edgewise.serve.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.edgewise.serve.peer.MessageType;
import io.edgewise.serve.peer.PeerClient;
import io.edgewise.serve.peer.PeerClientConfig;
import io.edgewise.serve.peer.PeerCodec;
import io.edgewise.serve.peer.PeerErrorCode;
import io.edgewise.serve.peer.PeerException;
import io.edgewise.serve.peer.PeerFrame;
import io.edgewise.serve.peer.PeerMessage.Capabilities;
import io.edgewise.serve.peer.TensorEncoding;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A scripted peer that answers HELLO, then closes the connection as soon as it has read a partial inference: the
 * client, configured with retries, must not send that inference again (the peer may have started the work).
 */
class PeerNoRetryTest {

  @Test
  void aPartialInferenceIsNotRetriedAfterTheConnectionDrops() throws Exception {
    AtomicInteger inferencesSeen = new AtomicInteger();
    AtomicInteger hellosSeen = new AtomicInteger();
    try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      Thread script = new Thread(() -> serve(server, hellosSeen, inferencesSeen), "scripted-peer");
      script.setDaemon(true);
      script.start();
      PeerClientConfig cfg = PeerClientConfig.of("127.0.0.1", server.getLocalPort(), "")
          .withRetries(3).withRequestTimeout(Duration.ofSeconds(10));
      try (PeerClient c = EdgewiseClient.peer(cfg); Tensor x = Tensor.ofFloats(Shape.of(2), 1, 2)) {
        PeerException e = assertThrows(PeerException.class, () -> c.partialInfer("abc", Map.of("x", x),
            TensorEncoding.FP32, TensorEncoding.FP32, List.of(), Duration.ofSeconds(10)));
        assertEquals(PeerErrorCode.UNAVAILABLE, e.peerCode(), e.getMessage());
      }
      assertEquals(1, inferencesSeen.get(), "the partial inference was sent more than once");
      assertEquals(1, hellosSeen.get(), "the client reconnected to re-send the inference");
    }
  }

  private static void serve(ServerSocket server, AtomicInteger hellos, AtomicInteger inferences) {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        DataInputStream in = new DataInputStream(s.getInputStream());
        while (true) {
          byte[] frame = new byte[in.readInt()];
          in.readFully(frame);
          int type = frame[1] & 0xff;
          long id = java.nio.ByteBuffer.wrap(frame, 2, 8).getLong();
          if (type == MessageType.HELLO.code()) {
            hellos.incrementAndGet();
            ByteBuf out = Unpooled.buffer();
            PeerCodec.encode(new PeerFrame(id, new Capabilities(PeerCodec.VERSION, "scripted", "ref", 4, 1 << 20,
                List.of())), out);
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            out.release();
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
          } else if (type == MessageType.PARTIAL_INFER.code()) {
            inferences.incrementAndGet();
            break;  // drop the connection with the request read and unanswered
          }
        }
      } catch (IOException e) {
        // the client closed its side, or the server socket was closed at the end of the test
      }
    }
  }
}

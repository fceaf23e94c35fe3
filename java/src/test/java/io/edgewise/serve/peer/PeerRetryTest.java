package io.edgewise.serve.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Only idempotent calls are retried: a partial inference whose connection drops after the peer read it may already
 * be running there, so the client reports the failure instead of sending it again; a ping is retried on a fresh
 * connection.
 */
class PeerRetryTest {
  /** Sits between the frame decoder and the server's handler: counts PARTIAL_INFER frames and drops the line. */
  private static final class DropOnPartialInfer extends ChannelInboundHandlerAdapter {
    private final AtomicInteger seen;

    DropOnPartialInfer(AtomicInteger seen) {
      this.seen = seen;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof PeerFrame f && f.message().type() == MessageType.PARTIAL_INFER) {
        seen.incrementAndGet();
        f.close();
        ctx.close();
        return;
      }
      ctx.fireChannelRead(msg);
    }
  }

  @Test
  void aPartialInferenceIsNeverSentTwiceButAPingIsRetried() {
    Path dir = TestData.model("digits_cnn_0to9");
    String hash = DirectoryModelResolver.sha256(dir.resolve("model.onnx"));
    AtomicInteger partials = new AtomicInteger();
    // the hook runs before the server adds its handlers; the spy goes in front of "peer" once the channel is active
    java.util.function.Consumer<ChannelPipeline> hook = p -> p.addFirst("spy-installer",
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelActive(ChannelHandlerContext ctx) {
            ctx.pipeline().addBefore("peer", "spy", new DropOnPartialInfer(partials));
            ctx.pipeline().remove(this);
            ctx.fireChannelActive();
          }
        });
    PeerServerConfig cfg = PeerServerConfig.of(0, new DirectoryModelResolver(List.of(dir)), PeerServerTest.TOKEN)
        .withPipelineHook(hook);
    try (PeerServer server = new PeerServer(cfg)) {
      int port = server.start();
      try (PeerClient c = EdgewiseClient.peer(PeerServerTest.client(port).withRetries(3));
          Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"))) {
        PeerException e = assertThrows(PeerException.class, () -> c.partialInfer(hash, Map.of("input", x),
            TensorEncoding.FP32, TensorEncoding.FP32, List.of(), Duration.ofSeconds(5)));
        assertEquals(1, partials.get(), "the partial inference reached the peer once and was not resent: " + e);
        assertTrue(c.ping(0) > 0, "an idempotent call goes on over a fresh connection");
      }
    }
  }
}

package io.edgewise.serve.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection after a refusal without losing the refusal. When the server answers a request before reading
 * its body (413 from the declared length, 401 from the headers, a malformed request) and then closes at once, the
 * body still arriving finds a closed socket: the kernel answers it with a reset, and a reset makes the client's
 * kernel drop whatever it had received and not yet handed up, the answer included (the client sees "connection reset"
 * or an empty reply instead of the 413). So, as web servers do (nginx's lingering close), the server half-closes
 * (its FIN follows the answer), then reads and drops whatever the client still sends, and closes when the client
 * closes its side, after {@link #MAX_LINGER_MILLIS}, or after {@link #MAX_LINGER_BYTES} dropped, whichever comes
 * first. Reading costs the server no memory: every read is released at the head of the pipeline.
 */
final class LingeringClose extends ChannelInboundHandlerAdapter {
  static final String NAME = "linger";
  /** How long a refused client may go on sending before the connection is closed regardless. */
  static final long MAX_LINGER_MILLIS = 2_000;
  /** How much a refused client may send before the connection is closed regardless. */
  static final long MAX_LINGER_BYTES = 4L << 20;

  private long dropped;

  private LingeringClose() {}

  /** Once the last answer is written: stop answering, half-close, and drain the input until the client is done. */
  static void close(Channel ch) {
    if (!ch.isActive() || ch.pipeline().get(NAME) != null) {
      if (!ch.isActive()) {
        ch.close();
      }
      return;
    }
    ch.pipeline().addFirst(NAME, new LingeringClose());
    ch.config().setAutoRead(true);  // a handler may have paused reading (pipelined requests); draining must go on
    ch.eventLoop().schedule(() -> {
      ch.close();
    }, MAX_LINGER_MILLIS, TimeUnit.MILLISECONDS);
    if (!(ch instanceof DuplexChannel duplex)) {
      ch.close();
      return;
    }
    SslHandler tls = ch.pipeline().get(SslHandler.class);
    if (tls != null) {
      // TLS ends with close_notify before the FIN, so the client knows the answer was not cut short
      tls.closeOutbound().addListener(f -> duplex.shutdownOutput());
    } else {
      duplex.shutdownOutput().addListener(f -> {
        if (!f.isSuccess()) {
          ch.close();
        }
      });
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf b) {
      dropped += b.readableBytes();
    }
    ReferenceCountUtil.release(msg);
    if (dropped > MAX_LINGER_BYTES) {
      ctx.close();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    ReferenceCountUtil.release(evt);
    if (evt instanceof ChannelInputShutdownEvent) {
      ctx.close();  // the client has sent everything and half-closed: both sides are done
    }
    // every other event (idle timeouts among them) is moot now: the timer above ends the connection
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();  // typically the client's own reset, now that it has the answer
  }
}

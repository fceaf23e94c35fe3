package io.edgewise.serve.peer;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pairs the server's answers with the client's pending requests by request id. A connection-level ERROR (id 0)
 * or the connection closing fails every pending request; answers nobody waits for any more are closed.
 */
final class PeerClientHandler extends ChannelInboundHandlerAdapter {
  final Map<Long, CompletableFuture<PeerFrame>> pending = new ConcurrentHashMap<>();
  private volatile PeerException closedBecause;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof PeerFrame frame)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (frame.requestId() == 0 && frame.message() instanceof PeerMessage.Error e) {
      closedBecause = e.toException();
      failAll(closedBecause);
      ctx.close();
      return;
    }
    CompletableFuture<PeerFrame> f = pending.remove(frame.requestId());
    if (f == null || !f.complete(frame)) {
      frame.close();  // late: the caller gave up (deadline) already
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    failAll(closedBecause != null ? closedBecause
        : new PeerException(PeerErrorCode.UNAVAILABLE, "connection to " + ctx.channel().remoteAddress() + " closed"));
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    closedBecause = c instanceof PeerException pe ? pe
        : new PeerException(PeerErrorCode.UNAVAILABLE, "connection to " + ctx.channel().remoteAddress() + ": " + c, c);
    failAll(closedBecause);
    ctx.close();
  }

  void failAll(PeerException e) {
    for (Long id : pending.keySet()) {
      CompletableFuture<PeerFrame> f = pending.remove(id);
      if (f != null) {
        f.completeExceptionally(e);
      }
    }
  }
}

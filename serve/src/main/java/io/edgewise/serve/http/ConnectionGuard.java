package io.edgewise.serve.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;

/**
 * Ends connections that stall: when nothing arrives for the idle timeout, a connection in the middle of sending a
 * request gets 408 Request Timeout, an idle keep-alive connection is simply closed, and one waiting for its answer
 * (a long inference) is left alone. Sits between the HTTP codec and the aggregator, where request boundaries show;
 * {@link #BYTES} sits before the codec and marks bytes of a request whose head is not complete yet (a request line
 * or headers that stop half-way produce no decoded message, and would otherwise be closed without an answer).
 */
final class ConnectionGuard extends ChannelDuplexHandler {
  private static final AttributeKey<Boolean> HEAD_PENDING = AttributeKey.valueOf("edgewise.headPending");

  /** Before the HTTP codec: any bytes read mark a request in progress until the guard sees it end. */
  static final class Bytes extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (msg instanceof ByteBuf b && b.isReadable()) {
        ctx.channel().attr(HEAD_PENDING).set(Boolean.TRUE);
      }
      super.channelRead(ctx, msg);
    }
  }

  static final String BYTES = "bytes";
  private boolean receiving;
  private int awaitingAnswer;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      receiving = true;
    }
    if (msg instanceof LastHttpContent) {
      receiving = false;
      awaitingAnswer++;
      ctx.channel().attr(HEAD_PENDING).set(Boolean.FALSE);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse r && r.status().code() >= 200 && awaitingAnswer > 0) {
      awaitingAnswer--;
    }
    ctx.write(msg, promise);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (!(evt instanceof IdleStateEvent)) {
      super.userEventTriggered(ctx, evt);
      return;
    }
    if (receiving || Boolean.TRUE.equals(ctx.channel().attr(HEAD_PENDING).get())) {
      var r = HttpResponses.error(HttpResponseStatus.REQUEST_TIMEOUT, "the request was not completed in time");
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    } else if (awaitingAnswer == 0) {
      ctx.close();
    }
  }
}

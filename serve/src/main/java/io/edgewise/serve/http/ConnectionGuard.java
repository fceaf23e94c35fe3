package io.edgewise.serve.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Ends connections that stall: when nothing arrives for the idle timeout, a connection in the middle of sending a
 * request gets 408 Request Timeout, an idle keep-alive connection is simply closed, and one waiting for its answer
 * (a long inference) is left alone. Sits between the HTTP codec and the aggregator, where request boundaries show.
 */
final class ConnectionGuard extends ChannelDuplexHandler {
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
    if (receiving) {
      var r = HttpResponses.error(HttpResponseStatus.REQUEST_TIMEOUT, "the request was not completed in time");
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    } else if (awaitingAnswer == 0) {
      ctx.close();
    }
  }
}

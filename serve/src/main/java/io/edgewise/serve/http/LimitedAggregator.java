package io.edgewise.serve.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Netty's aggregator with the body limit answered as the protocol's JSON error: 413 and {"error": ...}, then the
 * connection closes without losing that answer ({@link LingeringClose}: the rest of the body is read and dropped,
 * never buffered).
 */
final class LimitedAggregator extends HttpObjectAggregator {
  private final int maxBytes;

  LimitedAggregator(int maxBytes) {
    super(maxBytes, true);
    this.maxBytes = maxBytes;
  }

  /** An "Expect: 100-continue" request whose declared length is too large gets the JSON 413 as well. */
  @Override
  protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
    Object r = super.newContinueResponse(start, maxContentLength, pipeline);
    if (r instanceof FullHttpResponse full && full.status().equals(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE)) {
      full.release();
      FullHttpResponse json = HttpResponses.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          "the request body is larger than the server's limit of " + maxBytes + " bytes");
      json.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      return json;
    }
    return r;
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
    if (!(oversized instanceof HttpRequest)) {
      super.handleOversizedMessage(ctx, oversized);
      return;
    }
    FullHttpResponse r = HttpResponses.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
        "the request body is larger than the server's limit of " + maxBytes + " bytes");
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(r).addListener(f -> LingeringClose.close(ctx.channel()));
  }
}

package io.edgewise.serve.http;

import io.edgewise.EdgewiseException;
import io.edgewise.serve.common.TokenAuthenticator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Decides on a request from its headers alone, before any of its body is buffered: the protocol version
 * (HTTP/1.x, else 505), the bearer token (else 401), a body size an unauthenticated request may send to the open
 * health endpoints (else 413), and the content coding (identity only, else 415). A refused request travels on as an
 * empty {@link Refused} request, so the answer keeps its place among pipelined ones; its body is read and dropped
 * chunk by chunk (never aggregated), and the connection closes once the body ends (closing earlier would reset the
 * connection under the client before it reads the answer), when it passes the server's body limit, or when it
 * stalls for the idle timeout. A body declared larger than the limit, or one that passes it, is not discarded here:
 * once the answer is written the connection closes the way a 413 does ({@link LingeringClose}, which drains what
 * the client still sends so the answer is not lost to a reset). Dropping costs the server reading, never memory.
 *
 * <p>Per connection that has not shown a valid token, the server therefore holds at most the request line and
 * headers (the codec's limits), {@link #MAX_OPEN_BODY_BYTES} of body for the open endpoints, and one socket read
 * (Netty's adaptive receive buffer, at most 64 KiB). Across connections, at most
 * {@link Admission#maxUnauthenticated()} connections may be open without having shown a token; past that the oldest
 * such connection is closed to make room (a connection stalling before its first request loses its place to a new
 * client, instead of locking new clients out).
 */
final class RequestGate extends ChannelDuplexHandler {
  /** The most body an unauthenticated request to the open endpoints (health) may carry. */
  static final int MAX_OPEN_BODY_BYTES = 8 * 1024;

  /**
   * A request refused from its headers, its body dropped: V2Handler answers it in turn (with Connection: close)
   * and then calls {@link #answered()}, which closes the connection now or, while the body is still arriving, once
   * it has been read.
   */
  static final class Refused extends DefaultFullHttpRequest {
    final HttpResponseStatus status;
    final String reason;
    private final RequestGate gate;
    private final ChannelHandlerContext ctx;

    Refused(HttpRequest head, HttpResponseStatus status, String reason, RequestGate gate, ChannelHandlerContext ctx) {
      super(head.protocolVersion().majorVersion() == 1 ? head.protocolVersion() : HttpVersion.HTTP_1_1,
          head.method(), head.uri(), Unpooled.EMPTY_BUFFER);
      this.status = status;
      this.reason = reason;
      this.gate = gate;
      this.ctx = ctx;
      headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    }

    /** The answer is written (on the event loop): close the connection, now or after the refused body. */
    void answered() {
      if (gate.discarding) {
        gate.closeAfterDiscard = true;
      } else {
        LingeringClose.close(ctx.channel());
      }
    }
  }

  /** What every connection of one server shares: the connections that have not shown a valid token yet. */
  static final class Admission {
    private final int maxUnauthenticated;
    private final ConcurrentLinkedDeque<Channel> unauthenticated = new ConcurrentLinkedDeque<>();

    Admission(int maxUnauthenticated) {
      if (maxUnauthenticated < 1) {
        throw EdgewiseException.invalidArgument("maxUnauthenticated must be positive, got " + maxUnauthenticated);
      }
      this.maxUnauthenticated = maxUnauthenticated;
    }

    int maxUnauthenticated() {
      return maxUnauthenticated;
    }

    /** Connections open now that have not shown a valid token. */
    int unauthenticated() {
      return unauthenticated.size();
    }

    void admit(Channel ch) {
      unauthenticated.addLast(ch);
      while (unauthenticated.size() > maxUnauthenticated) {
        Channel oldest = unauthenticated.pollFirst();
        if (oldest != null && oldest != ch) {
          oldest.close();
        } else if (oldest == ch) {
          unauthenticated.addLast(ch);  // never evict the newcomer itself
          break;
        }
      }
    }

    void leave(Channel ch) {
      unauthenticated.remove(ch);
    }
  }

  private final TokenAuthenticator auth;
  private final Admission admission;
  /** The server's body limit: the most of a refused body read and dropped before the connection is closed. */
  private final long maxDiscardBytes;
  private boolean authenticated;
  /** Dropping the body of a refused request. */
  private boolean discarding;
  private long discarded;
  /** The refusal is answered: close once its body has been read. */
  private boolean closeAfterDiscard;

  RequestGate(TokenAuthenticator auth, Admission admission, long maxBodyBytes) {
    this.auth = auth;
    this.admission = admission;
    this.maxDiscardBytes = maxBodyBytes;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    authenticated = !auth.enabled();
    if (!authenticated) {
      admission.admit(ctx.channel());
    }
    super.channelActive(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    admission.leave(ctx.channel());
    super.channelInactive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest req) {
      discarding = false;
      Refusal refusal = check(ctx, req);
      if (refusal == null) {
        ctx.fireChannelRead(msg);
        return;
      }
      long declared = HttpUtil.getContentLength(req, 0L);
      boolean body = !(msg instanceof LastHttpContent) && !HttpUtil.is100ContinueExpected(req)
          && (HttpUtil.isTransferEncodingChunked(req) || (declared > 0 && declared <= maxDiscardBytes));
      Refused refused = new Refused(req, refusal.status(), refusal.reason(), this, ctx);
      ReferenceCountUtil.release(msg);
      discarding = body;
      discarded = 0;
      closeAfterDiscard = false;
      ctx.fireChannelRead(refused);
      return;
    }
    if (discarding && msg instanceof HttpContent content) {
      discarded += content.content().readableBytes();
      boolean last = msg instanceof LastHttpContent;
      content.release();
      if (last || discarded > maxDiscardBytes) {
        discarding = false;
        if (closeAfterDiscard) {
          ctx.close();  // the whole body is read: nothing can reset the connection under the answer
        } else if (discarded > maxDiscardBytes) {
          LingeringClose.close(ctx.channel());
        }
      }
      return;
    }
    ctx.fireChannelRead(msg);
  }

  private record Refusal(HttpResponseStatus status, String reason) {}

  /** The refusal for a request, or null when it may go on to be aggregated and answered. */
  private Refusal check(ChannelHandlerContext ctx, HttpRequest req) {
    if (req.decoderResult().isFailure()) {
      return null;  // V2Handler answers malformed requests (400, 414, 431) and closes
    }
    HttpVersion v = req.protocolVersion();
    if (!v.protocolName().equals("HTTP") || v.majorVersion() != 1) {
      return new Refusal(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP version " + V2Datatype.clip(
          v.text()) + " is not supported; this server speaks HTTP/1.1 (and 1.0)");
    }
    boolean tokenOk = auth.acceptsAuthorizationHeader(req.headers().get(HttpHeaderNames.AUTHORIZATION));
    if (tokenOk && !authenticated) {
      authenticated = true;
      admission.leave(ctx.channel());
    }
    if (!tokenOk) {
      V2Route route;
      try {
        route = V2Route.parse(req.uri());
      } catch (EdgewiseException e) {
        route = null;
      }
      if (route == null || !route.isOpen()) {
        return new Refusal(HttpResponseStatus.UNAUTHORIZED,
            "missing or wrong bearer token (send the header 'Authorization: Bearer TOKEN')");
      }
      if (HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > MAX_OPEN_BODY_BYTES) {
        return new Refusal(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "a request without a bearer token "
            + "may carry at most " + MAX_OPEN_BODY_BYTES + " bytes of body, with a Content-Length");
      }
    }
    String coding = req.headers().get(HttpHeaderNames.CONTENT_ENCODING);
    if (coding != null && !coding.trim().equalsIgnoreCase("identity")) {
      return new Refusal(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Encoding '"
          + V2Datatype.clip(coding) + "' is not accepted; send the body uncompressed");
    }
    return null;  // a body over the server's limit is the aggregator's 413, from the Content-Length
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent && discarding) {
      // a refused body that stopped arriving: nothing more is owed, close now
      discarding = false;
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }
}

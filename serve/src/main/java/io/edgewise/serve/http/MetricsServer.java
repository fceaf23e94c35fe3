package io.edgewise.serve.http;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.serve.common.ServeMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics} alone, on a port of its own and without a token, so that Prometheus scrapes the server the
 * way it scrapes Triton (whose metrics port, 8002, takes no inference credentials) while inference stays behind the
 * bearer token. Nothing else is served: other paths are 404, other methods 405. What a client can make it hold is
 * small and bounded: request line 4 KiB, headers 8 KiB, body 8 KiB, {@link #MAX_CONNECTIONS} connections, and a
 * connection idle for {@link #IDLE_SECONDS} seconds is closed.
 */
public final class MetricsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
  /** Scrapers open one connection each; more than this at once are refused by closing the newest. */
  static final int MAX_CONNECTIONS = 64;
  static final int IDLE_SECONDS = 30;

  private final EventLoopGroup group;
  private final Channel listener;

  private MetricsServer(EventLoopGroup group, Channel listener) {
    this.group = group;
    this.listener = listener;
  }

  /** Binds host:port (0 for any free port) and serves the metrics' Prometheus text there. */
  public static MetricsServer start(String host, int port, ServeMetrics metrics) {
    if (port < 0 || port > 65535) {
      throw EdgewiseException.invalidArgument("metrics port must be in 0..65535, got " + port);
    }
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    AtomicInteger open = new AtomicInteger();
    try {
      Channel listener = new ServerBootstrap()
          .group(group)
          .channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, 64)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              if (open.incrementAndGet() > MAX_CONNECTIONS) {
                open.decrementAndGet();
                ch.close();
                return;
              }
              ch.closeFuture().addListener(f -> open.decrementAndGet());
              ch.pipeline()
                  .addLast(new HttpServerCodec(4096, 8192, 8192))
                  .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                  .addLast(new HttpObjectAggregator(8192))
                  .addLast(new Handler(metrics));
            }
          })
          .bind(new InetSocketAddress(host, port)).sync().channel();
      LOG.info("serving Prometheus metrics on http://{}/metrics", listener.localAddress());
      return new MetricsServer(group, listener);
    } catch (Exception e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw new EdgewiseException(ErrorCode.IO, "cannot listen for metrics on " + host + ":" + port + ": " + e, e);
    }
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** "http://127.0.0.1:8002/metrics", for scrapers. */
  public String url() {
    InetSocketAddress a = (InetSocketAddress) listener.localAddress();
    String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/metrics";
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final ServeMetrics metrics;

    Handler(ServeMetrics metrics) {
      this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      long start = System.nanoTime();
      FullHttpResponse r;
      boolean keepAlive = HttpUtil.isKeepAlive(req) && req.decoderResult().isSuccess();
      if (req.decoderResult().isFailure()) {
        r = HttpResponses.error(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
      } else if (!new QueryStringDecoder(req.uri()).rawPath().equals("/metrics")) {
        r = HttpResponses.error(HttpResponseStatus.NOT_FOUND, "this port serves GET /metrics only");
      } else if (!req.method().equals(HttpMethod.GET)) {
        r = HttpResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET /metrics");
        r.headers().set(HttpHeaderNames.ALLOW, "GET");
      } else {
        r = HttpResponses.text(HttpResponseStatus.OK, metrics.scrape(), ServeMetrics.contentType());
      }
      metrics.record(V2Handler.PROTOCOL, "metrics", null, r.status().code(), System.nanoTime() - start);
      if (!keepAlive) {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      } else {
        ctx.writeAndFlush(r);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
      } else {
        super.userEventTriggered(ctx, evt);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("metrics connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }
}

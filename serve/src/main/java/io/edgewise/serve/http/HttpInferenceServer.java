package io.edgewise.serve.http;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.serve.common.InferenceScheduler;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.common.ServeMetrics;
import io.edgewise.serve.common.TlsFiles;
import io.edgewise.serve.common.TokenAuthenticator;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Open Inference Protocol (KServe v2) over HTTP/1.1 on Netty, optionally over TLS, serving a
 * {@link ModelRepository}. The server does not own the repository, the scheduler or the metrics (the peer server
 * may share them); it owns its sockets and threads.
 *
 * <p>close() is graceful: readiness turns false, new inference is refused with 503, the listening socket closes,
 * every accepted request runs to completion and its answer is written, and only then do connections close.
 */
public final class HttpInferenceServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpInferenceServer.class);

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel listener;
  private final ChannelGroup connections;
  private final V2Handler.ServerState state;
  private final Duration drainTimeout;
  private final boolean tls;
  private boolean closed;

  /**
   * What a server needs.
   *
   * @param host the address to bind ("127.0.0.1" for loopback only, "0.0.0.0" for every interface)
   * @param port 0 for any free port
   * @param tls null for plain HTTP
   * @param ioThreads network threads (inference runs on the scheduler's workers, not on these)
   * @param drainTimeout how long close() waits for requests in flight
   */
  public record Config(String host, int port, ModelRepository repository, TokenAuthenticator auth,
      ServeLimits limits, InferenceScheduler scheduler, ServeMetrics metrics, TlsFiles tls, int ioThreads,
      Duration drainTimeout) {
    public Config {
      if (port < 0 || port > 65535) {
        throw EdgewiseException.invalidArgument("port must be in 0..65535, got " + port);
      }
      if (ioThreads < 1) {
        throw EdgewiseException.invalidArgument("ioThreads must be at least 1, got " + ioThreads);
      }
    }
  }

  private HttpInferenceServer(Config c, EventLoopGroup boss, EventLoopGroup workers, Channel listener,
      V2Handler.ServerState state, ChannelGroup connections) {
    this.state = state;
    this.connections = connections;
    this.boss = boss;
    this.workers = workers;
    this.listener = listener;
    this.drainTimeout = c.drainTimeout();
    this.tls = c.tls() != null;
  }

  /**
   * Connections that may be open at once without having shown a valid bearer token (health probes, clients before
   * their first request); past it the oldest of them is closed. With the per-connection bound of
   * {@link #MAX_UNAUTHENTICATED_CONNECTION_BYTES} it bounds what unauthenticated clients can make the server hold.
   */
  public static final int MAX_UNAUTHENTICATED_CONNECTIONS = 512;
  /**
   * The most bytes the server buffers for one connection that has not shown a valid token: one socket read (64 KiB,
   * Netty's largest adaptive receive buffer), the request line and headers (the limits' 4 KiB + 8 KiB) and the body
   * an unauthenticated request may send to the health endpoints (8 KiB), rounded up to 96 KiB. A refused request's
   * body is dropped as it arrives, never aggregated.
   */
  public static final long MAX_UNAUTHENTICATED_CONNECTION_BYTES = 96 * 1024;

  /** Binds the port and starts serving; throws when the port cannot be bound or the TLS files are unusable. */
  public static HttpInferenceServer start(Config c) {
    return start(c, null, MAX_UNAUTHENTICATED_CONNECTIONS);
  }

  /**
   * As {@link #start(Config)}, with the connections' buffer allocator (null: Netty's default; tests count bytes with
   * their own) and the most connections open without a valid token.
   */
  public static HttpInferenceServer start(Config c, ByteBufAllocator allocator, int maxUnauthenticatedConnections) {
    RequestGate.Admission admission = new RequestGate.Admission(maxUnauthenticatedConnections);
    SslContext ssl = c.tls() == null ? null : c.tls().serverContext();
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(c.ioThreads(), NioIoHandler.newFactory());
    V2Handler.ServerState state = new V2Handler.ServerState();
    c.metrics().watch(c.repository());
    ServeLimits limits = c.limits();
    V2Handler.Shared shared = new V2Handler.Shared(c.repository(), c.auth(), c.scheduler(), c.metrics(),
        new InferRequestParser(limits), state);
    ChannelGroup connections = new DefaultChannelGroup("edgewise-http", GlobalEventExecutor.INSTANCE);
    try {
      ServerBootstrap bootstrap = new ServerBootstrap();
      if (allocator != null) {
        bootstrap.childOption(ChannelOption.ALLOCATOR, allocator);
      }
      Channel listener = bootstrap
          .group(boss, workers)
          .channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, 256)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              connections.add(ch);
              ChannelPipeline p = ch.pipeline();
              if (ssl != null) {
                p.addLast("tls", ssl.newHandler(ch.alloc()));
              }
              p.addLast(ConnectionGuard.BYTES, new ConnectionGuard.Bytes());
              p.addLast("codec", new HttpServerCodec(limits.maxInitialLineBytes(), limits.maxHeaderBytes(), 64 * 1024));
              p.addLast("idle", new IdleStateHandler(limits.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
              p.addLast("gate", new RequestGate(c.auth(), admission, limits.maxMessageBytes()));
              p.addLast("guard", new ConnectionGuard());
              p.addLast("aggregate", new LimitedAggregator((int) limits.maxMessageBytes()));
              p.addLast("v2", new V2Handler(shared));
            }
          })
          .bind(new InetSocketAddress(c.host(), c.port())).sync().channel();
      HttpInferenceServer s = new HttpInferenceServer(c, boss, workers, listener, state, connections);
      LOG.info("serving the Open Inference Protocol on {}://{}", s.tls ? "https" : "http", listener.localAddress());
      return s;
    } catch (Exception e) {
      boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw new EdgewiseException(ErrorCode.IO, "cannot listen on " + c.host() + ":" + c.port() + ": " + e, e);
    }
  }

  /** The address the server listens on (its port, when started with port 0). */
  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  public int port() {
    return address().getPort();
  }

  /** "http://127.0.0.1:8000" (https with TLS), for clients. */
  public String url() {
    InetSocketAddress a = address();
    String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return (tls ? "https" : "http") + "://" + host + ":" + a.getPort();
  }

  /** Inference requests accepted and not yet answered. */
  public int inFlight() {
    return state.inFlight.get();
  }

  /** Whether close() has begun. */
  public boolean isDraining() {
    return state.draining;
  }

  /** Blocks until close() completes (the serve command waits here). */
  public void awaitClosed() throws InterruptedException {
    boss.terminationFuture().sync();
    workers.terminationFuture().sync();
  }

  /**
   * Graceful stop: refuse new inference (503) and report not ready, stop accepting connections, let every accepted
   * request finish and its answer be written (up to the drain timeout), then close the connections and threads.
   * The scheduler, the repository and the metrics stay open: their owner closes them.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    state.draining = true;
    listener.close().syncUninterruptibly();
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    boolean interrupted = false;
    while (state.inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        interrupted = true;
        break;
      }
    }
    if (state.inFlight.get() > 0) {
      LOG.warn("closing with {} requests unanswered after the drain timeout of {}", state.inFlight.get(),
          drainTimeout);
    }
    connections.close().awaitUninterruptibly();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}

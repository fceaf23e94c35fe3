package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The binary peer protocol's server: lets other devices run the part of a model after a cut on this device.
 *
 * <pre>{@code
 * try (PeerServer server = new PeerServer(PeerServerConfig.of(7070, new DirectoryModelResolver(files), token))) {
 *   int port = server.start();
 *   ...
 * }
 * }</pre>
 *
 * The serve command plugs it in behind its PeerEndpoint interface: the port, a {@link ModelResolver} over its
 * model repository (files and their sha256), a {@link TokenCheck} over its token authenticator and its TLS context.
 * close() stops accepting, lets partial inferences in flight finish, then closes connections and frees models.
 */
public final class PeerServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerServer.class);

  private final PeerServerConfig config;
  private final SuffixRunner runner;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private EventLoopGroup boss;
  private EventLoopGroup io;
  private Channel listener;
  private int port = -1;
  private boolean closed;
  private volatile LevelInferHandler levelHandler;

  public PeerServer(PeerServerConfig config) {
    this.config = config;
    this.runner = new SuffixRunner(config.resolver(), config.session(), config.limits());
  }

  /** Binds and starts serving; returns the bound port (the chosen one when the config says 0). */
  public synchronized int start() {
    if (closed) {
      throw EdgewiseException.invalidArgument("peer server is closed");
    }
    if (listener != null) {
      return port;
    }
    boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    io = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    ServerBootstrap b = new ServerBootstrap().group(boss, io).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.add(ch);
            if (config.pipelineHook() != null) {
              config.pipelineHook().accept(ch.pipeline());
            }
            if (config.tls() != null) {
              ch.pipeline().addLast("tls", config.tls().newHandler(ch.alloc()));
            }
            ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, config.limits().idleTimeoutMillis(),
                TimeUnit.MILLISECONDS));
            ch.pipeline().addLast("frames", new PeerFrameDecoder(config.limits(), true));
            ch.pipeline().addLast("encoder", PeerFrameEncoder.INSTANCE);
            ch.pipeline().addLast("peer", new PeerServerHandler(PeerServer.this));
          }
        });
    try {
      listener = b.bind(config.host(), config.port()).sync().channel();
    } catch (Exception e) {
      shutdownLoops();
      throw new EdgewiseException(EdgewiseException.ErrorCode.IO, "peer server cannot bind " + config.host() + ":"
          + config.port() + ": " + e, e);
    }
    port = ((InetSocketAddress) listener.localAddress()).getPort();
    LOG.info("peer server on {}:{} ({}, {} models, device {})", config.host(), port,
        config.tls() != null ? "TLS" : "plain TCP", config.resolver().models().size(), config.session().device());
    return port;
  }

  public synchronized int port() {
    return port;
  }

  public PeerServerConfig config() {
    return config;
  }

  /**
   * Serves LEVEL_INFER through {@code h} (a node controller or a coordinator, issue 25) and answers LOAD_QUERY with
   * its load; without one, LEVEL_INFER is answered NOT_IMPLEMENTED. Set it before {@link #start}.
   */
  public void levelHandler(LevelInferHandler h) {
    this.levelHandler = h;
  }

  LevelInferHandler levelHandler() {
    return levelHandler;
  }

  SuffixRunner runner() {
    return runner;
  }

  void inFlightDelta(int d) {
    inFlight.addAndGet(d);
  }

  int inFlightTotal() {
    return inFlight.get();
  }

  /** A load report as a client would get it (for an embedding server's metrics). */
  public PeerMessage.LoadReport load() {
    return runner.report(inFlight.get());
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (listener != null) {
      listener.close().syncUninterruptibly();
    }
    runner.close();  // finishes queued and running work; their results are written before connections close
    connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    shutdownLoops();
  }

  private void shutdownLoops() {
    if (io != null) {
      io.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
    if (boss != null) {
      boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}

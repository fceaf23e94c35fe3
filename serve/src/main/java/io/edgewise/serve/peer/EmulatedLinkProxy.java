package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;

/**
 * For experiments on loopback with a server that has no pipeline hook (the HTTP server): a TCP relay on 127.0.0.1
 * whose client side is an {@link EmulatedLink}, so that every byte between a client and the target server crosses
 * the emulated link both ways. One relayed connection per client connection; closing either side closes the other.
 * The caller's event loop group runs it (and stays the caller's), or a thread of its own; close() stops accepting and
 * closes the connections.
 */
public final class EmulatedLinkProxy implements AutoCloseable {
  private final Channel server;
  private final io.netty.channel.group.ChannelGroup open;
  private EventLoopGroup owned;

  private EmulatedLinkProxy(Channel server, io.netty.channel.group.ChannelGroup open) {
    this.server = server;
    this.open = open;
  }

  /** As {@link #start(EventLoopGroup, InetSocketAddress, EmulatedLink.Conditions)} on a thread of its own. */
  public static EmulatedLinkProxy start(InetSocketAddress target, EmulatedLink.Conditions link) {
    EventLoopGroup group = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
        io.netty.channel.nio.NioIoHandler.newFactory());
    try {
      EmulatedLinkProxy p = start(group, target, link);
      p.owned = group;
      return p;
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
      throw e;
    }
  }

  /** Listens on an ephemeral loopback port and relays to target through a link of these conditions. */
  public static EmulatedLinkProxy start(EventLoopGroup group, InetSocketAddress target,
      EmulatedLink.Conditions link) {
    io.netty.channel.group.ChannelGroup open = new io.netty.channel.group.DefaultChannelGroup(
        io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
    ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            open.add(ch);
            ch.pipeline().addLast("emulated-link", new EmulatedLink(link));
            ch.pipeline().addLast("relay", new Frontend(target, open));
          }
        });
    try {
      Channel server = b.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
      open.add(server);
      return new EmulatedLinkProxy(server, open);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw EdgewiseException.invalidArgument("EmulatedLinkProxy: interrupted while binding");
    }
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** The proxy's URL for an HTTP client: http://127.0.0.1:PORT. */
  public String url() {
    return "http://127.0.0.1:" + port();
  }

  /** The client side: connects to the target when a client connects, then relays both ways. */
  private static final class Frontend extends ChannelInboundHandlerAdapter {
    private final InetSocketAddress target;
    private final io.netty.channel.group.ChannelGroup open;
    private Channel backend;

    Frontend(InetSocketAddress target, io.netty.channel.group.ChannelGroup open) {
      this.target = target;
      this.open = open;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel in = ctx.channel();
      Bootstrap b = new Bootstrap().group(in.eventLoop()).channel(NioSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(new Relay(in));
      b.connect(target).addListener((ChannelFutureListener) f -> {
        if (f.isSuccess()) {
          backend = f.channel();
          open.add(backend);
          in.config().setAutoRead(true);
        } else {
          in.close();
        }
      });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      backend.writeAndFlush(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (backend != null) {
        backend.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** The server side: what the target answers goes back through the client side's link. */
  private static final class Relay extends ChannelInboundHandlerAdapter {
    private final Channel client;

    Relay(Channel client) {
      this.client = client;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      client.writeAndFlush(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  @Override
  public void close() {
    open.close().awaitUninterruptibly();
    if (owned != null) {
      owned.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
    }
  }
}

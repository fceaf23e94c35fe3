package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * For experiments on loopback: makes a connection behave like a link of a given bandwidth and one-way latency,
 * both changeable while it runs. Each direction is a serialized link: a message occupies it for size / bandwidth
 * (after the messages before it), then arrives latency later; arrival order is kept. Placed first in a pipeline
 * (nearest the socket), it delays the raw bytes both ways.
 *
 * <p>Why not Netty's traffic shaping handlers: they throttle by accounting bytes over a check interval and
 * suspending reads, which spreads a long transfer correctly but lets a single message of a few hundred kilobytes
 * through with little or no delay; a split's intermediate tensor is exactly such a message. This handler delays each
 * message by its exact transmission time.
 */
public final class EmulatedLink extends ChannelDuplexHandler {
  /** The conditions, shared by every connection's handler and changeable at any time. */
  public static final class Conditions {
    private volatile double bytesPerMs;
    private volatile double latencyMs;

    /** @param megabitsPerSecond link bandwidth; latencyMs one-way delay */
    public Conditions(double megabitsPerSecond, double latencyMs) {
      set(megabitsPerSecond, latencyMs);
    }

    /** Changes the link for messages from now on. */
    public void set(double megabitsPerSecond, double latency) {
      if (!(megabitsPerSecond > 0) || !(latency >= 0)) {
        throw EdgewiseException.invalidArgument("EmulatedLink: bandwidth must be > 0 Mbit/s and latency >= 0 ms, "
            + "got " + megabitsPerSecond + ", " + latency);
      }
      this.bytesPerMs = megabitsPerSecond * 1e6 / 8 / 1000;
      this.latencyMs = latency;
    }
  }

  private final Conditions link;
  private final Direction in = new Direction();
  private final Direction out = new Direction();

  public EmulatedLink(Conditions link) {
    this.link = link;
  }

  /**
   * One direction of the link: messages wait in order (a FIFO, so chunks of the byte stream never overtake each
   * other) and are delivered by one timer set for the head's arrival. Touched only on the channel's event loop.
   */
  private final class Direction {
    private final ArrayDeque<Object[]> queue = new ArrayDeque<>();
    private long freeNanos;
    private long lastArrival;
    private boolean timerSet;

    void add(ChannelHandlerContext ctx, Object msg, Consumer<Object[]> deliver, Object extra) {
      long now = System.nanoTime();
      long size = msg instanceof ByteBuf b ? b.readableBytes() : 0;
      freeNanos = Math.max(now, freeNanos) + (long) (size / link.bytesPerMs * 1e6);
      lastArrival = Math.max(lastArrival, freeNanos + (long) (link.latencyMs * 1e6));
      queue.add(new Object[] {msg, extra, lastArrival});
      drain(ctx, deliver);
    }

    private void drain(ChannelHandlerContext ctx, Consumer<Object[]> deliver) {
      long now = System.nanoTime();
      while (!queue.isEmpty() && (long) queue.peek()[2] <= now) {
        deliver.accept(queue.poll());
      }
      if (!queue.isEmpty() && !timerSet) {
        timerSet = true;
        ctx.executor().schedule(() -> {
          timerSet = false;
          drain(ctx, deliver);
        }, (long) queue.peek()[2] - now, TimeUnit.NANOSECONDS);
      }
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    in.add(ctx, msg, m -> {
      ctx.fireChannelRead(m[0]);
      ctx.fireChannelReadComplete();
    }, null);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // fired after each delayed message instead
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    out.add(ctx, msg, m -> ctx.writeAndFlush(m[0], (ChannelPromise) m[1]), promise);
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    // each delayed write flushes itself
  }
}

package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;
import io.edgewise.serve.peer.PeerMessage.Capabilities;
import io.edgewise.serve.peer.PeerMessage.Error;
import io.edgewise.serve.peer.PeerMessage.Hello;
import io.edgewise.serve.peer.PeerMessage.PartialInfer;
import io.edgewise.serve.peer.PeerMessage.Ping;
import io.edgewise.serve.peer.PeerMessage.Pong;
import io.edgewise.serve.peer.PeerMessage.Result;
import io.edgewise.serve.peer.PeerMessage.ReuseLookup;
import io.edgewise.serve.peer.PeerMessage.ReuseResult;
import io.edgewise.tensor.Tensor;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer connection on the server side: HELLO first (version and bearer token), then requests. Partial
 * inferences run on the runner's workers; each carries a deadline from its budget, and whichever comes first
 * (the result, the deadline, a CANCEL) answers it exactly once: work still queued at its deadline is never run,
 * a result finished after it is discarded. Backpressure: at maxInFlight outstanding requests, or while the
 * channel is not writable (the client does not read its results), the handler stops reading from the socket.
 */
final class PeerServerHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(PeerServerHandler.class);

  private final PeerServer server;
  private final PeerServerConfig config;
  private final Map<Long, Job> jobs = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private boolean authenticated;
  private ScheduledFuture<?> helloTimeout;

  PeerServerHandler(PeerServer server) {
    this.server = server;
    this.config = server.config();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    helloTimeout = ctx.executor().schedule(() -> {
      if (!authenticated) {
        fail(ctx, 0, PeerErrorCode.UNAUTHENTICATED, "no HELLO within " + config.limits().helloTimeoutMillis()
            + " ms");
      }
    }, config.limits().helloTimeoutMillis(), TimeUnit.MILLISECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (helloTimeout != null) {
      helloTimeout.cancel(false);
    }
    jobs.values().forEach(j -> j.finish(PeerErrorCode.CANCELLED));
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof PeerFrame frame)) {
      ctx.fireChannelRead(msg);
      return;
    }
    boolean handedOff = false;
    try {
      if (!authenticated) {
        hello(ctx, frame);
        return;
      }
      switch (frame.type()) {
        case PING -> reply(ctx, frame.requestId(), new Pong(((Ping) frame.message()).nonce()));
        case LOAD_QUERY -> reply(ctx, frame.requestId(), server.levelHandler() != null ? server.levelHandler().load()
            : server.runner().report(server.inFlightTotal()));
        case CANCEL -> {
          Job j = jobs.get(frame.requestId());
          if (j != null) {
            j.finish(PeerErrorCode.CANCELLED);
          }
        }
        case PARTIAL_INFER -> handedOff = partialInfer(ctx, frame.requestId(), (PartialInfer) frame.message());
        case REUSE_LOOKUP -> handedOff = reuseLookup(ctx, frame.requestId(), (ReuseLookup) frame.message());
        case LEVEL_INFER -> handedOff = levelInfer(ctx, frame.requestId(), (PeerMessage.LevelInfer) frame.message());
        default -> fail(ctx, frame.requestId(), PeerErrorCode.PROTOCOL_VIOLATION, frame.type()
            + " may not be sent to a server" + (frame.type() == MessageType.HELLO ? " twice" : ""));
      }
    } finally {
      if (!handedOff) {
        frame.close();
      }
    }
  }

  private void hello(ChannelHandlerContext ctx, PeerFrame frame) {
    if (!(frame.message() instanceof Hello h)) {
      fail(ctx, frame.requestId(), PeerErrorCode.UNAUTHENTICATED, "the first message must be HELLO, got "
          + frame.type());
      return;
    }
    if (h.minVersion() > PeerCodec.VERSION || h.maxVersion() < PeerCodec.VERSION) {
      fail(ctx, frame.requestId(), PeerErrorCode.UNSUPPORTED_VERSION, "client speaks versions " + h.minVersion()
          + ".." + h.maxVersion() + "; this server speaks " + PeerCodec.VERSION);
      return;
    }
    if (config.tokens().required() && !config.tokens().accepts(h.token())) {
      fail(ctx, frame.requestId(), PeerErrorCode.UNAUTHENTICATED, "bearer token refused");
      return;
    }
    authenticated = true;
    PeerFrameDecoder decoder = ctx.pipeline().get(PeerFrameDecoder.class);
    if (decoder != null) {
      decoder.helloAccepted();  // frames up to the full limit from now on (the decoder decodes after this returns)
    }
    helloTimeout.cancel(false);
    LOG.debug("peer {} said hello as '{}'", ctx.channel().remoteAddress(), h.clientName());
    reply(ctx, frame.requestId(), new Capabilities(PeerCodec.VERSION, config.serverName(),
        config.session().device(), config.limits().maxInFlightPerConnection(), config.limits().maxFrameBytes(),
        config.resolver().models()));
  }

  /** Returns true when the message (and its tensors) now belongs to a queued job. */
  private boolean partialInfer(ChannelHandlerContext ctx, long id, PartialInfer request) {
    if (jobs.containsKey(id)) {
      reply(ctx, id, new Error(PeerErrorCode.INVALID_ARGUMENT, "request id " + id + " is already in flight"));
      return false;
    }
    if (inFlight.get() >= config.limits().maxInFlightPerConnection()) {
      reply(ctx, id, new Error(PeerErrorCode.OVERLOADED, "more than " + config.limits().maxInFlightPerConnection()
          + " requests in flight on this connection"));
      return false;
    }
    long received = System.nanoTime();
    long budgetNanos = budgetNanos(request.deadlineMicros());
    Job job = new Job(ctx.channel(), id, request, received,
        budgetNanos == Long.MAX_VALUE ? Long.MAX_VALUE : received + budgetNanos);
    jobs.put(id, job);
    inFlight.incrementAndGet();
    server.inFlightDelta(1);
    updateAutoRead(ctx.channel());
    if (budgetNanos != Long.MAX_VALUE) {
      job.timer = ctx.executor().schedule(() -> job.finish(PeerErrorCode.DEADLINE_EXCEEDED), budgetNanos,
          TimeUnit.NANOSECONDS);
    }
    if (!server.runner().submit(job)) {
      job.finish(PeerErrorCode.OVERLOADED);
      job.release();
    }
    return true;
  }

  /**
   * A request's budget in nanoseconds; Long.MAX_VALUE (no timer) for 0 (none) and for budgets of 100 years or more
   * (up to the u64's 2^64-1 microseconds, clamped by the codec): no clock reaches them, and their nanoseconds would
   * overflow.
   */
  static long budgetNanos(long deadlineMicros) {
    if (deadlineMicros <= 0 || deadlineMicros >= MAX_BUDGET_MICROS) {
      return Long.MAX_VALUE;
    }
    return deadlineMicros * 1000;
  }

  /** 100 years in microseconds: budgets at or beyond it are no deadline. */
  static final long MAX_BUDGET_MICROS = 100L * 365 * 24 * 3600 * 1_000_000;

  private boolean reuseLookup(ChannelHandlerContext ctx, long id, ReuseLookup request) {
    ReuseLookupHandler handler = config.reuseHandler();
    if (handler == null) {
      reply(ctx, id, new Error(PeerErrorCode.NOT_IMPLEMENTED, "this peer has no feature-reuse store"));
      return false;
    }
    Channel ch = ctx.channel();
    boolean queued = server.runner().submit(() -> {
      try (request) {
        ReuseResult r = handler.lookup(request);
        send(ch, new PeerFrame(id, r == null ? ReuseResult.miss() : r));
      } catch (EdgewiseException e) {
        send(ch, new PeerFrame(id, new Error(e.code() == EdgewiseException.ErrorCode.INVALID_ARGUMENT
            ? PeerErrorCode.INVALID_ARGUMENT : PeerErrorCode.INTERNAL, e.getMessage())));
      } catch (RuntimeException e) {
        LOG.warn("reuse lookup failed", e);
        send(ch, new PeerFrame(id, new Error(PeerErrorCode.INTERNAL, e.toString())));
      }
    });
    if (!queued) {
      reply(ctx, id, new Error(PeerErrorCode.OVERLOADED, "the peer's work queue is full"));
      return false;
    }
    return true;
  }

  /** Hands the request to the level handler, which answers it exactly once; true when it took the request. */
  private boolean levelInfer(ChannelHandlerContext ctx, long id, PeerMessage.LevelInfer request) {
    LevelInferHandler handler = server.levelHandler();
    if (handler == null) {
      reply(ctx, id, new Error(PeerErrorCode.NOT_IMPLEMENTED, "this peer serves no dynamic-inference levels"));
      return false;
    }
    Channel ch = ctx.channel();
    handler.submit(request, m -> send(ch, new PeerFrame(id, m)));
    return true;
  }

  /** Reads only while this connection has room for more work and its results are being read. */
  private void updateAutoRead(Channel ch) {
    boolean read = ch.isWritable() && inFlight.get() < config.limits().maxInFlightPerConnection();
    if (ch.config().isAutoRead() != read) {
      ch.config().setAutoRead(read);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent && inFlight.get() == 0) {
      LOG.debug("closing idle peer connection {}", ctx.channel().remoteAddress());
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    updateAutoRead(ctx.channel());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    if (c instanceof PeerException pe) {
      fail(ctx, 0, pe.peerCode().closesConnection() ? pe.peerCode() : PeerErrorCode.BAD_FRAME, pe.detail());
    } else if (c instanceof TooLongFrameException) {
      fail(ctx, 0, PeerErrorCode.FRAME_TOO_LARGE, "frame exceeds " + config.limits().maxFrameBytes() + " bytes");
    } else if (c instanceof IOException) {
      LOG.debug("peer connection {}: {}", ctx.channel().remoteAddress(), c.toString());
      ctx.close();
    } else {
      LOG.warn("peer connection {} failed", ctx.channel().remoteAddress(), c);
      fail(ctx, 0, PeerErrorCode.INTERNAL, c.toString());
    }
  }

  private static void reply(ChannelHandlerContext ctx, long id, PeerMessage m) {
    ctx.writeAndFlush(new PeerFrame(id, m));
  }

  /** Answers with a typed error; errors that end the connection close it once written. */
  private void fail(ChannelHandlerContext ctx, long id, PeerErrorCode code, String message) {
    LOG.debug("peer connection {}: {} {}", ctx.channel().remoteAddress(), code, message);
    var f = ctx.writeAndFlush(new PeerFrame(id, new Error(code, message)));
    if (code.closesConnection()) {
      authenticated = false;
      f.addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Encodes on the calling thread (tensors are closed here, not later on the event loop) and writes. */
  private static void send(Channel ch, PeerFrame frame) {
    ByteBuf buf = ch.alloc().buffer();
    try {
      PeerCodec.encode(frame, buf);
    } catch (RuntimeException e) {
      buf.release();
      frame.close();
      throw e;
    }
    frame.close();
    ch.writeAndFlush(buf);
  }

  /** One partial inference. State moves QUEUED to RUNNING to DONE, or to DONE directly (deadline, cancel). */
  private final class Job implements Runnable {
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;
    private final Channel channel;
    private final long id;
    private final PartialInfer request;
    private final long receivedNanos;
    private final long deadlineNanos;
    private final AtomicInteger state = new AtomicInteger(QUEUED);
    private final AtomicBoolean released = new AtomicBoolean();
    volatile ScheduledFuture<?> timer;

    Job(Channel channel, long id, PartialInfer request, long receivedNanos, long deadlineNanos) {
      this.channel = channel;
      this.id = id;
      this.request = request;
      this.receivedNanos = receivedNanos;
      this.deadlineNanos = deadlineNanos;
    }

    @Override
    public void run() {
      try {
        if (!state.compareAndSet(QUEUED, RUNNING)) {
          return;  // answered already (deadline passed in the queue, or cancelled): never run
        }
        long start = System.nanoTime();
        Map<String, Tensor> outputs;
        long computeStart = start;
        try {
          var session = server.runner().prepare(request);
          computeStart = System.nanoTime();
          outputs = server.runner().run(session, request);
        } catch (PeerException e) {
          answer(new Error(e.peerCode(), e.detail()));
          return;
        } catch (EdgewiseException e) {
          answer(new Error(e.code() == EdgewiseException.ErrorCode.INTERNAL ? PeerErrorCode.INTERNAL
              : PeerErrorCode.INVALID_ARGUMENT, e.getMessage()));
          return;
        } catch (RuntimeException e) {
          LOG.warn("partial inference {} failed", id, e);
          answer(new Error(PeerErrorCode.INTERNAL, e.toString()));
          return;
        }
        hold(System.nanoTime() - computeStart);
        long served = System.nanoTime() - start;
        Result result = new Result((start - receivedNanos) / 1000, served / 1000, outputs, request.resultEncoding());
        if (!answer(result)) {
          result.close();  // the deadline or a cancel answered first: the late result is discarded
        }
      } finally {
        release();
      }
    }

    /** Experiments only: models co-tenants on the peer's device (see PeerServerConfig.loadSlowdown). */
    private void hold(long computedNanos) {
      double f = config.loadSlowdown() == null ? 1.0 : config.loadSlowdown().getAsDouble();
      long holdNanos = (long) ((f - 1) * computedNanos);
      if (holdNanos > 0) {
        try {
          TimeUnit.NANOSECONDS.sleep(holdNanos);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** Sends m unless the request was answered already; true when sent. */
    private boolean answer(PeerMessage m) {
      int s = state.get();
      if (s == DONE || !state.compareAndSet(s, DONE)) {
        return false;
      }
      if (timer != null) {
        timer.cancel(false);
      }
      jobs.remove(id, this);
      send(channel, new PeerFrame(id, m));
      return true;
    }

    /** Deadline or cancel: answers with the error now; queued work is then skipped, running work discarded. */
    void finish(PeerErrorCode code) {
      String why = code == PeerErrorCode.DEADLINE_EXCEEDED
          ? "deadline of " + request.deadlineMicros() / 1000.0 + " ms passed "
              + (state.get() == QUEUED ? "while queued; not run" : "while running; result discarded")
          : code == PeerErrorCode.OVERLOADED ? "the peer's work queue is full" : "cancelled";
      if (answer(new Error(code, why))) {
        LOG.debug("request {}: {}", id, why);
      }
    }

    /** Frees the inputs and the in-flight slot, once, when the worker is done with the job (or never got it). */
    void release() {
      if (released.compareAndSet(false, true)) {
        request.close();
        inFlight.decrementAndGet();
        server.inFlightDelta(-1);
        channel.eventLoop().execute(() -> updateAutoRead(channel));
      }
    }
  }
}

package io.edgewise.serve.peer;

import io.edgewise.apps.ocr.DbPostprocess;
import io.edgewise.serve.peer.PeerMessage.Capabilities;
import io.edgewise.serve.peer.PeerMessage.Hello;
import io.edgewise.serve.peer.PeerMessage.LoadQuery;
import io.edgewise.serve.peer.PeerMessage.LoadReport;
import io.edgewise.serve.peer.PeerMessage.PartialInfer;
import io.edgewise.serve.peer.PeerMessage.Ping;
import io.edgewise.serve.peer.PeerMessage.Pong;
import io.edgewise.serve.peer.PeerMessage.Result;
import io.edgewise.serve.peer.PeerMessage.ReuseLookup;
import io.edgewise.serve.peer.PeerMessage.ReuseResult;
import io.edgewise.tensor.Tensor;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * The device side of the peer protocol: a small pool of authenticated connections to one peer.
 *
 * <pre>{@code
 * try (PeerClient peer = PeerClient.connect(PeerClientConfig.of("10.0.0.7", 7070, token));
 *      PeerClient.PartialResult r = peer.partialInfer(hash, crossing, TensorEncoding.FP16, List.of(),
 *          Duration.ofMillis(200))) {
 *   Tensor logits = r.outputs().get("logits");
 * }
 * }</pre>
 *
 * Each connection allows as many requests in flight as the peer's CAPABILITIES say; a call waits for a free slot
 * and for the channel to be writable (backpressure), both within its deadline. A call whose deadline passes fails
 * with DEADLINE_EXCEEDED and tells the peer to CANCEL it. Idempotent calls are retried on a fresh connection when
 * the connection fails; partial inferences are not. Thread-safe.
 */
public final class PeerClient implements AutoCloseable {
  private final PeerClientConfig config;
  private final EventLoopGroup group;
  private final Bootstrap bootstrap;
  private final Connection[] pool;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicInteger inferencesInFlight = new AtomicInteger();
  private volatile Capabilities capabilities;
  private volatile boolean closed;

  /** A partial inference's answer; the caller owns (and closes) the outputs. */
  public record PartialResult(Map<String, Tensor> outputs, long roundTripNanos, long queueMicros,
      long computeMicros, long bytesSent) implements AutoCloseable {
    @Override
    public void close() {
      outputs.values().forEach(Tensor::close);
    }
  }

  private static final class Connection {
    final Channel channel;
    final PeerClientHandler handler;
    final Semaphore slots;

    Connection(Channel channel, PeerClientHandler handler, int slots) {
      this.channel = channel;
      this.handler = handler;
      this.slots = new Semaphore(slots);
    }
  }

  private PeerClient(PeerClientConfig config) {
    this.config = config;
    this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    this.pool = new Connection[config.poolSize()];
    this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis());
  }

  /**
   * This client's inference requests (partial and level inferences: those that take an in-flight slot) from the
   * moment they are sent until answered: the device's own share of the load the peer reports, and of what crosses
   * the link now. Pings, load queries and reuse look-ups are not counted.
   */
  public int inferencesInFlight() {
    return inferencesInFlight.get();
  }

  /** Connects the first connection and says HELLO; fails with UNAVAILABLE, UNAUTHENTICATED, UNSUPPORTED_VERSION. */
  public static PeerClient connect(PeerClientConfig config) {
    PeerClient c = new PeerClient(config);
    try {
      c.connection(0);
      return c;
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** What the peer said in answer to HELLO: its device, limits and models. */
  public Capabilities capabilities() {
    return capabilities;
  }

  /**
   * Runs the model with the given content hash from the cut that {@code crossing} defines (names of the values
   * crossing it, to their tensors, which stay the caller's), returning the requested outputs (empty: the model's).
   */
  public PartialResult partialInfer(String modelHash, Map<String, Tensor> crossing, TensorEncoding send,
      TensorEncoding receive, List<String> outputs, Duration deadline) {
    return partialInfer(modelHash, crossing, send, receive, outputs, deadline, OutputReduction.NONE);
  }

  /**
   * As {@link #partialInfer(String, Map, TensorEncoding, TensorEncoding, List, Duration)}, with the outputs reduced
   * on the peer before they cross (e.g. a recogniser's scores to their CTC best path). A peer that predates
   * reductions refuses the request as a bad frame.
   */
  public PartialResult partialInfer(String modelHash, Map<String, Tensor> crossing, TensorEncoding send,
      TensorEncoding receive, List<String> outputs, Duration deadline, OutputReduction reduction) {
    return partialInfer(modelHash, crossing, send, receive, outputs, deadline, reduction, null);
  }

  /**
   * As {@link #partialInfer(String, Map, TensorEncoding, TensorEncoding, List, Duration, OutputReduction)}, with the
   * options a reduction needs ({@code boxes}: those of {@link OutputReduction#DB_BOXES}, null for the others).
   */
  public PartialResult partialInfer(String modelHash, Map<String, Tensor> crossing, TensorEncoding send,
      TensorEncoding receive, List<String> outputs, Duration deadline, OutputReduction reduction,
      DbPostprocess.BoxRequest boxes) {
    long budget = deadline == null ? config.requestTimeout().toNanos() : deadline.toNanos();
    long t0 = System.nanoTime();
    long[] bytes = new long[1];
    // encoded here, on the caller's thread, so that the caller's tensors are only read during the call
    PeerFrame answer = call(id -> {
      ByteBuf buf = ByteBufAllocator.DEFAULT.buffer();
      try {
        long remaining = budget - (System.nanoTime() - t0);
        PeerCodec.encode(new PeerFrame(id, new PartialInfer(modelHash, Math.max(1, remaining / 1000), receive,
            outputs, crossing, send, reduction, boxes)), buf);
      } catch (RuntimeException e) {
        buf.release();
        throw e;
      }
      bytes[0] = buf.readableBytes();
      return buf;
    }, t0 + budget, false, true);
    Result r = expect(answer, Result.class);
    return new PartialResult(r.outputs(), System.nanoTime() - t0, r.queueMicros(), r.computeMicros(), bytes[0]);
  }

  /** A LEVEL_INFER's answer; the caller owns (and closes) the outputs. */
  public record LevelAnswer(int level, Map<String, Tensor> outputs, long roundTripNanos, long queueMicros,
      long computeMicros) implements AutoCloseable {
    @Override
    public void close() {
      outputs.values().forEach(Tensor::close);
    }
  }

  /**
   * Serves {@code inputs} (the caller's) at a dynamic-inference level in [lowest, highest] chosen by the peer (issue
   * 25); a refusal comes back as a PeerException (DEADLINE_EXCEEDED, OVERLOADED) carrying the peer's reason. Never
   * retried. The call waits for the answer up to twice the budget (at least 100 ms more): the peer answers every
   * request itself (late results included, so that the caller can count them), and a caller that gave up at the
   * deadline would race that answer.
   */
  public LevelAnswer levelInfer(String user, Map<String, Tensor> inputs, int lowest, int highest,
      double accuracyWant, Duration deadline) {
    long budget = deadline == null ? config.requestTimeout().toNanos() : deadline.toNanos();
    long t0 = System.nanoTime();
    PeerFrame answer = call(id -> {
      ByteBuf buf = ByteBufAllocator.DEFAULT.buffer();
      try {
        long remaining = budget - (System.nanoTime() - t0);
        PeerCodec.encode(new PeerFrame(id, new PeerMessage.LevelInfer(user, Math.max(1, remaining / 1000), lowest,
            highest, accuracyWant, TensorEncoding.FP32, inputs, TensorEncoding.FP32)), buf);
      } catch (RuntimeException e) {
        buf.release();
        throw e;
      }
      return buf;
    }, t0 + budget + Math.max(budget, 100_000_000L), false, true);
    PeerMessage.LevelResult r = expect(answer, PeerMessage.LevelResult.class);
    return new LevelAnswer(r.level(), r.outputs(), System.nanoTime() - t0, r.queueMicros(), r.computeMicros());
  }

  public LoadReport load() {
    return expect(simple(new LoadQuery()), LoadReport.class);
  }

  /** Round trip of a PING carrying paddingBytes (0 for a plain liveness check), in nanoseconds. */
  public long ping(int paddingBytes) {
    long t0 = System.nanoTime();
    long nonce = t0;
    Pong p = expect(simple(new Ping(nonce, new byte[paddingBytes])), Pong.class);
    if (p.nonce() != nonce) {
      throw new PeerException(PeerErrorCode.PROTOCOL_VIOLATION, "PONG echoed nonce " + p.nonce() + ", sent " + nonce);
    }
    return System.nanoTime() - t0;
  }

  /** Asks the peer's feature-reuse store (issue 7); the caller keeps the feature tensor and owns the result. */
  public ReuseResult reuseLookup(String modelHash, String tapPoint, Tensor feature, TensorEncoding encoding) {
    return reuseLookup(modelHash, tapPoint, feature, encoding, null);
  }

  /**
   * As above, answered within {@code deadline} (null: the config's request timeout) or failed with
   * DEADLINE_EXCEEDED: a caller for whom a look-up is only worth so much (a served request asking peers) bounds it.
   */
  public ReuseResult reuseLookup(String modelHash, String tapPoint, Tensor feature, TensorEncoding encoding,
      Duration deadline) {
    long t0 = System.nanoTime();
    long budget = deadline == null ? config.requestTimeout().toNanos() : deadline.toNanos();
    PeerFrame answer = call(id -> {
      ByteBuf buf = ByteBufAllocator.DEFAULT.buffer();
      try {
        PeerCodec.encode(new PeerFrame(id, new ReuseLookup(modelHash, tapPoint, feature, encoding)), buf);
      } catch (RuntimeException e) {
        buf.release();
        throw e;
      }
      return buf;
    }, t0 + budget, true, false);
    return expect(answer, ReuseResult.class);
  }

  private PeerFrame simple(PeerMessage m) {
    return call(id -> new PeerFrame(id, m), System.nanoTime() + config.requestTimeout().toNanos(), true, false);
  }

  private static <T extends PeerMessage> T expect(PeerFrame f, Class<T> type) {
    if (f.message() instanceof PeerMessage.Error e) {
      throw e.toException();
    }
    if (!type.isInstance(f.message())) {
      f.close();
      throw new PeerException(PeerErrorCode.PROTOCOL_VIOLATION, "expected " + type.getSimpleName() + ", the peer sent "
          + f.type());
    }
    return type.cast(f.message());
  }

  /** Sends what write(id) makes and waits for the answer with that id until deadlineNanos (System.nanoTime). */
  private PeerFrame call(LongFunction<Object> write, long deadlineNanos, boolean idempotent, boolean usesSlot) {
    if (!usesSlot) {
      return attempt(write, deadlineNanos, idempotent, false);
    }
    inferencesInFlight.incrementAndGet();
    try {
      return attempt(write, deadlineNanos, idempotent, true);
    } finally {
      inferencesInFlight.decrementAndGet();
    }
  }

  private PeerFrame attempt(LongFunction<Object> write, long deadlineNanos, boolean idempotent, boolean usesSlot) {
    int attempts = idempotent ? 1 + config.retries() : 1;
    PeerException last = null;
    for (int attempt = 0; attempt < attempts; attempt++) {
      Connection c;
      try {
        c = pick();
      } catch (PeerException e) {
        last = e;
        continue;
      }
      try {
        return callOn(c, write, deadlineNanos, usesSlot);
      } catch (PeerException e) {
        if (e.peerCode() != PeerErrorCode.UNAVAILABLE) {
          throw e;
        }
        last = e;
      }
    }
    throw last;
  }

  private PeerFrame callOn(Connection c, LongFunction<Object> write, long deadlineNanos, boolean usesSlot) {
    boolean slot = false;
    long id = ids.incrementAndGet();
    try {
      if (usesSlot) {
        slot = c.slots.tryAcquire(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (!slot) {
          throw new PeerException(PeerErrorCode.DEADLINE_EXCEEDED, "no free in-flight slot on the connection to "
              + config.host() + ":" + config.port() + " before the deadline");
        }
      }
      while (!c.channel.isWritable() && c.channel.isActive()) {
        if (System.nanoTime() >= deadlineNanos) {
          throw new PeerException(PeerErrorCode.DEADLINE_EXCEEDED, "the connection stayed unwritable (the peer does "
              + "not read) until the deadline");
        }
        Thread.sleep(1);
      }
      CompletableFuture<PeerFrame> answer = new CompletableFuture<>();
      c.handler.pending.put(id, answer);
      if (!c.channel.isActive()) {
        c.handler.pending.remove(id);
        throw new PeerException(PeerErrorCode.UNAVAILABLE, "connection to " + config.host() + ":" + config.port()
            + " is closed");
      }
      c.channel.writeAndFlush(write.apply(id)).addListener(f -> {
        if (!f.isSuccess()) {
          c.handler.pending.remove(id);
          answer.completeExceptionally(new PeerException(PeerErrorCode.UNAVAILABLE, "write failed: " + f.cause(),
              f.cause()));
        }
      });
      try {
        return answer.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        if (c.handler.pending.remove(id) != null && usesSlot) {
          c.channel.writeAndFlush(new PeerFrame(id, new PeerMessage.Cancel()));
        }
        throw new PeerException(PeerErrorCode.DEADLINE_EXCEEDED, "no answer from " + config.host() + ":"
            + config.port() + " before the deadline; cancelled");
      } catch (ExecutionException e) {
        throw e.getCause() instanceof PeerException pe ? pe
            : new PeerException(PeerErrorCode.UNAVAILABLE, e.getCause().toString(), e.getCause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      c.handler.pending.remove(id);
      throw new PeerException(PeerErrorCode.CANCELLED, "interrupted");
    } finally {
      if (slot) {
        c.slots.release();
      }
    }
  }

  /** The live connection with the most free slots, opening pool slots lazily and replacing dead connections. */
  private Connection pick() {
    Connection best = null;
    for (int i = 0; i < pool.length; i++) {
      Connection c = pool[i];
      if (c == null || !c.channel.isActive()) {
        if (best != null && best.slots.availablePermits() > 0) {
          continue;  // a free slot exists: do not pay a connect now
        }
        c = connection(i);
      }
      if (best == null || c.slots.availablePermits() > best.slots.availablePermits()) {
        best = c;
      }
    }
    return best;
  }

  private synchronized Connection connection(int i) {
    if (closed) {
      throw new PeerException(PeerErrorCode.UNAVAILABLE, "peer client is closed");
    }
    if (pool[i] != null && pool[i].channel.isActive()) {
      return pool[i];
    }
    PeerClientHandler handler = new PeerClientHandler();
    Channel ch;
    try {
      ch = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
        @Override
        protected void initChannel(SocketChannel sc) {
          if (config.tls() != null) {
            sc.pipeline().addLast("tls", config.tls().newHandler(sc.alloc(), config.host(), config.port()));
          }
          sc.pipeline().addLast("frames", new PeerFrameDecoder(config.limits()));
          sc.pipeline().addLast("encoder", PeerFrameEncoder.INSTANCE);
          sc.pipeline().addLast("peer", handler);
        }
      }).connect(config.host(), config.port()).syncUninterruptibly().channel();
    } catch (Exception e) {
      throw new PeerException(PeerErrorCode.UNAVAILABLE, "cannot connect to " + config.host() + ":" + config.port()
          + ": " + e, e);
    }
    Connection c = new Connection(ch, handler, Integer.MAX_VALUE);
    PeerFrame answer;
    try {
      answer = callOn(c, id -> new PeerFrame(id, new Hello(PeerCodec.VERSION, PeerCodec.VERSION, config.token(),
          config.clientName())), System.nanoTime() + config.connectTimeout().toNanos(), false);
    } catch (RuntimeException e) {
      ch.close();
      throw e;
    }
    Capabilities caps;
    try {
      caps = expect(answer, Capabilities.class);
    } catch (RuntimeException e) {
      ch.close();
      throw e;
    }
    capabilities = caps;
    pool[i] = new Connection(ch, handler, caps.maxInFlight());
    return pool[i];
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      for (Connection c : pool) {
        if (c != null) {
          c.channel.close();
        }
      }
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}

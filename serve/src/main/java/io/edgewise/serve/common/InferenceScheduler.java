package io.edgewise.serve.common;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Runs inference work off the network threads: at most {@code maxConcurrent} tasks at once and at most
 * {@code maxQueued} waiting; a task beyond both is refused at once (the caller answers "busy") instead of queueing
 * without bound. It counts what the metrics report: queue depth, tasks running, and each device's busy time, from
 * which utilisation is derived. {@link #shutdown} lets every accepted task finish. Shared by the HTTP and the peer
 * servers.
 */
public final class InferenceScheduler implements AutoCloseable {
  private final ThreadPoolExecutor pool;
  private final int maxConcurrent;
  private final AtomicInteger running = new AtomicInteger();
  /** Tasks accepted and not yet finished (queued or running); at most maxAccepted. */
  private final AtomicInteger accepted = new AtomicInteger();
  private final int maxAccepted;
  private final AtomicLong taskIds = new AtomicLong();
  private final Map<String, DeviceLoad> devices = new ConcurrentHashMap<>();

  /** Busy time of one device: finished tasks' time plus the elapsed time of the tasks still running on it. */
  private static final class DeviceLoad {
    final LongAdder finishedNanos = new LongAdder();
    final Map<Long, Long> runningSince = new ConcurrentHashMap<>();

    long busyNanos(long now) {
      long busy = finishedNanos.sum();
      for (long start : runningSince.values()) {
        busy += Math.max(0, now - start);
      }
      return busy;
    }
  }

  public InferenceScheduler(ServeLimits limits) {
    this.maxConcurrent = limits.maxConcurrent();
    AtomicInteger threadIds = new AtomicInteger();
    this.maxAccepted = limits.maxConcurrent() + limits.maxQueued();
    // the queue itself is unbounded: admission is counted in submit(), so that a task finishing and the next
    // arriving can never race into a spurious refusal
    this.pool = new ThreadPoolExecutor(maxConcurrent, maxConcurrent, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "edgewise-infer-" + threadIds.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Queues work that runs on {@code device} (its busy time is counted against that device name). Throws
   * RESOURCE_EXHAUSTED at once when every worker is busy and the queue is full, and INVALID_ARGUMENT after shutdown.
   */
  public <T> CompletableFuture<T> submit(String device, Supplier<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    if (pool.isShutdown()) {
      throw EdgewiseException.invalidArgument("the server is shutting down");
    }
    if (accepted.incrementAndGet() > maxAccepted) {
      accepted.decrementAndGet();
      throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, "the server is busy: " + maxConcurrent
          + " requests running and " + (maxAccepted - maxConcurrent) + " queued (its limits); retry later");
    }
    DeviceLoad load = devices.computeIfAbsent(device, d -> new DeviceLoad());
    Runnable task = () -> {
      long id = taskIds.incrementAndGet();
      long start = System.nanoTime();
      running.incrementAndGet();
      load.runningSince.put(id, start);
      T value = null;
      Throwable failure = null;
      try {
        value = work.get();
      } catch (Throwable t) {
        failure = t;
      } finally {
        load.runningSince.remove(id);
        load.finishedNanos.add(System.nanoTime() - start);
        accepted.decrementAndGet();  // before running: whoever sees running() drop may submit at once
        running.decrementAndGet();
      }
      // completed only once the slot is free: a caller that answers its client from the result (the HTTP server)
      // must not let that client's next request find this task still counted and be refused as busy
      if (failure != null) {
        result.completeExceptionally(failure);
      } else {
        result.complete(value);
      }
    };
    try {
      pool.execute(task);
    } catch (RejectedExecutionException e) {
      accepted.decrementAndGet();
      throw EdgewiseException.invalidArgument("the server is shutting down");
    }
    return result;
  }

  /** Tasks accepted and waiting for a worker. */
  public int queued() {
    return pool.getQueue().size();
  }

  /** Tasks running now. */
  public int running() {
    return running.get();
  }

  public int maxConcurrent() {
    return maxConcurrent;
  }

  /** The devices work has run on so far. */
  public Set<String> devices() {
    return devices.keySet();
  }

  /** Total time the workers have spent running on a device, in seconds (running tasks included). */
  public double busySeconds(String device) {
    DeviceLoad d = devices.get(device);
    return d == null ? 0 : d.busyNanos(System.nanoTime()) / 1e9;
  }

  /** Stops taking work and waits up to the timeout for every accepted task; true when all finished. */
  public boolean shutdown(long timeout, TimeUnit unit) throws InterruptedException {
    pool.shutdown();
    return pool.awaitTermination(timeout, unit);
  }

  /** Stops at once: queued tasks are dropped, running ones are interrupted. */
  @Override
  public void close() {
    pool.shutdownNow();
  }
}

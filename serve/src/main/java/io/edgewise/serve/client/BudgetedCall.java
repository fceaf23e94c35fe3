package io.edgewise.serve.client;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.LatencyStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A request with a time budget and an on-device fallback (MDInference, IC2E 2020; LayerCake's backup rule): the
 * remote call (e.g. {@link EdgewiseClient#infer} on a model group) starts at once; the local call, the device's fastest
 * variant, runs either in parallel from the start ({@link Mode#PARALLEL}) or only once the remaining budget falls
 * below its expected time ({@link Mode#BACKUP}, or at once if the remote call fails first). The first valid answer
 * (returned without an exception, not null) wins and the other call is cancelled (interrupted); in
 * {@link Mode#STANDBY} the local call runs from the start but its answer waits until the remaining budget falls
 * below its expected time, so the remote answer wins whenever it arrives by then. The remote calls'
 * round trips are measured here, as a moving average ({@link #estimatedRemoteMs()}), to be sent with the next request
 * as the network estimate; nothing is configured. The call waits for an answer past the budget too (a late answer
 * beats none): the remote side's own request timeout bounds it. Thread-safe; close() stops its threads.
 */
public final class BudgetedCall implements AutoCloseable {
  /**
   * When the local fallback starts and when its answer counts: PARALLEL and BACKUP take the first valid answer;
   * STANDBY (MDInference's on-device fallback) runs the local call from the start but holds its answer until the
   * remaining budget falls below the local call's expected time (when BACKUP would have started it: that much
   * headroom for handing the answer over), so the remote answer wins whenever it arrives by then, and the local one
   * is used then (or at once when the remote call fails).
   */
  public enum Mode { PARALLEL, BACKUP, STANDBY }

  /** Put in the queue when a STANDBY call's budget ends. */
  private static final Object[] BUDGET_END = {Boolean.TRUE, "budget end"};

  /** The winning answer, which side gave it, and the time from the call to the answer. */
  public record Result<T>(T value, boolean local, double elapsedMs) {}

  private final Mode mode;
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "edgewise-budgeted-call");
    t.setDaemon(true);
    return t;
  });
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "edgewise-budget-timer");
    t.setDaemon(true);
    return t;
  });
  private final LatencyStats remote = new LatencyStats(0.2);

  public BudgetedCall(Mode mode) {
    this.mode = mode;
  }

  /** Moving average of the remote calls' round trips (ms); NaN before the first one completes. */
  public synchronized double estimatedRemoteMs() {
    return remote.ema();
  }

  private synchronized void recordRemote(double ms) {
    remote.add(ms);
  }

  /**
   * Runs the call. {@code localMs} is the local variant's expected time (e.g. its measured p99 on the device).
   * Throws when both sides fail, with the remote's failure as the cause.
   */
  public <T> Result<T> call(Duration budget, Supplier<T> remoteCall, Supplier<T> localCall, double localMs) {
    return call(budget, remoteCall, localCall, localMs, v -> { });
  }

  /**
   * As above; {@code discard} receives the loser's answer if it still arrives after the winner (e.g. to close its
   * tensors), so that nothing it holds leaks.
   */
  public <T> Result<T> call(Duration budget, Supplier<T> remoteCall, Supplier<T> localCall, double localMs,
      java.util.function.Consumer<? super T> discard) {
    if (budget.isNegative() || !(localMs >= 0)) {
      throw EdgewiseException.invalidArgument("BudgetedCall: need a budget >= 0 and a local time >= 0 ms; got "
          + budget + ", " + localMs);
    }
    long start = System.nanoTime();
    LinkedBlockingQueue<Object[]> done = new LinkedBlockingQueue<>();  // {Boolean local, value or Throwable}
    java.util.concurrent.atomic.AtomicBoolean over = new java.util.concurrent.atomic.AtomicBoolean();
    // an answer arriving once the call is over is the loser's: discarded under this lock, never left in the queue
    java.util.function.BiConsumer<Boolean, Object> deliver = (isLocal, v) -> {
      synchronized (done) {
        if (!over.get()) {
          done.add(new Object[] {isLocal, v});
          return;
        }
      }
      if (v != null && !(v instanceof Throwable)) {
        @SuppressWarnings("unchecked")
        T t = (T) v;
        discard.accept(t);
      }
    };
    Future<?> remoteTask = workers.submit(() -> {
      try {
        T v = remoteCall.get();
        if (!over.get()) {  // a call cancelled because the other side won is no round trip
          recordRemote((System.nanoTime() - start) / 1e6);
        }
        deliver.accept(false, v);
      } catch (RuntimeException e) {
        done.add(new Object[] {false, e});
      } catch (Throwable e) {  // an Error must still end the wait
        done.add(new Object[] {false, new IllegalStateException(e)});
      }
    });
    CompletableFuture<Future<?>> localTask = new CompletableFuture<>();
    Runnable startLocal = () -> {
      synchronized (localTask) {
        if (!localTask.isDone()) {
          localTask.complete(workers.submit(() -> {
            try {
              deliver.accept(true, localCall.get());
            } catch (RuntimeException e) {
              done.add(new Object[] {true, e});
            } catch (Throwable e) {
              done.add(new Object[] {true, new IllegalStateException(e)});
            }
          }));
        }
      }
    };
    long delayNanos = mode != Mode.BACKUP ? 0 : Math.max(0, budget.toNanos() - (long) (localMs * 1e6));
    ScheduledFuture<?> scheduled = timer.schedule(startLocal, delayNanos, TimeUnit.NANOSECONDS);
    ScheduledFuture<?> budgetEnd = mode != Mode.STANDBY ? null
        : timer.schedule(() -> done.add(BUDGET_END), Math.max(0, budget.toNanos() - (long) Math.min(localMs * 1e6,
            budget.toNanos())), TimeUnit.NANOSECONDS);
    RuntimeException remoteFailure = null;
    int failures = 0;
    Object held = null;  // STANDBY: the local answer, until the budget ends or the remote fails
    boolean ended = false;
    try {
      while (true) {
        Object[] d = done.take();
        if (d == BUDGET_END) {
          ended = true;
          if (held != null) {
            @SuppressWarnings("unchecked")
            T value = (T) held;
            held = null;
            return new Result<>(value, true, (System.nanoTime() - start) / 1e6);
          }
          continue;
        }
        boolean isLocal = (Boolean) d[0];
        if (d[1] instanceof RuntimeException e || d[1] == null) {
          failures++;
          if (!isLocal) {
            remoteFailure = d[1] == null ? EdgewiseException.invalidArgument("remote answer was null")
                : (RuntimeException) d[1];
            startLocal.run();  // the remote failed: the fallback is all that is left
            if (held != null) {
              @SuppressWarnings("unchecked")
              T value = (T) held;
              held = null;
              return new Result<>(value, true, (System.nanoTime() - start) / 1e6);
            }
          }
          if (failures == 2) {
            throw remoteFailure != null ? remoteFailure
                : EdgewiseException.invalidArgument("BudgetedCall: both the remote and the local call failed");
          }
          continue;
        }
        if (isLocal && mode == Mode.STANDBY && !ended && remoteFailure == null) {
          held = d[1];  // the remote may still answer within the budget
          continue;
        }
        @SuppressWarnings("unchecked")
        T value = (T) d[1];
        return new Result<>(value, isLocal, (System.nanoTime() - start) / 1e6);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw EdgewiseException.invalidArgument("BudgetedCall: interrupted while waiting for an answer");
    } finally {
      if (budgetEnd != null) {
        budgetEnd.cancel(false);
      }
      if (held != null) {  // the remote won: the held local answer is the loser
        @SuppressWarnings("unchecked")
        T t = (T) held;
        discard.accept(t);
      }
      List<Object[]> left = new ArrayList<>();
      synchronized (done) {
        over.set(true);
        done.drainTo(left);
      }
      for (Object[] d : left) {  // the loser, if it finished while the winner was being taken
        if (d != BUDGET_END && d[1] != null && !(d[1] instanceof Throwable)) {
          @SuppressWarnings("unchecked")
          T t = (T) d[1];
          discard.accept(t);
        }
      }
      scheduled.cancel(false);
      remoteTask.cancel(true);
      synchronized (localTask) {
        if (localTask.isDone()) {
          localTask.join().cancel(true);
        } else {
          localTask.complete(CompletableFuture.completedFuture(null));  // never starts now
        }
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    workers.shutdownNow();
  }
}

package io.edgewise.serve.client;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.LatencyStats;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A request with a time budget and an on-device fallback (MDInference, IC2E 2020; LayerCake's backup rule): the
 * remote call (e.g. {@link EdgewiseClient#infer} on a model group) starts at once on a worker thread; the local call,
 * the device's fastest variant, runs on the calling thread, either from the start ({@link Mode#PARALLEL},
 * {@link Mode#STANDBY}) or once the remaining budget falls below its measured p99 plus the margin for the hand-over
 * ({@link Mode#BACKUP}, or at once if the remote call fails first). {@link BudgetDecision} is the rule.
 *
 * <p>Why the calling thread: the local answer is handed over by the thread that made it, with no thread wake-up in
 * between. An earlier design ran it on a worker and released a held answer from a timer thread, and on a loaded
 * machine those two wake-ups made a few answers late (docs/benchmarks.md, "Time budgets end to end"). The one wait
 * left, for the remote answer until a held local one is due, is measured: every call records its hand-over time (from
 * the moment its answer was due, ready, arrived or released, to the call's return, its clean-up included, plus how late
 * the wake-up for a BACKUP start came) and the next calls release held answers, and start BACKUP runs, earlier by a
 * margin of twice the largest of the last 1000 calls of every BudgetedCall in the process (the hand-over time is the
 * machine's, its load and scheduler, not one call object's; a new client starts from what the others measured). Twice,
 * not once: a stall larger than every one seen before is what still made answers late with the largest alone
 * (docs/benchmarks.md); the part above the largest at most up to half the budget ({@link #marginMs}). Nothing is
 * configured.
 *
 * <p>STANDBY holds a local answer only while the remote one can still come by the release: when the fastest of this
 * caller's last {@value #REMOTE_WINDOW} remote round trips ends after it, holding gains nothing and leaves the answer
 * exposed to a stall, so it is handed over as soon as it is ready (the remote request runs on, so that its round trip
 * is still measured).
 *
 * <p>A remote answer that has arrived wins over a local one (the server's variants are the accurate ones); one that
 * arrives while the local variant runs waits for that run (bounded by the local p99). A local run that cannot be
 * handed over within the budget anyway (its p99 plus the hand-over exceed what is left) runs on a worker instead,
 * beside the wait, so that it never holds back a remote answer; the first answer wins. A loser's answer, arriving
 * later, goes to the discard callback. The remote calls' round trips are measured, as a moving average
 * ({@link #estimatedRemoteMs()}). When the local call fails the call waits for the remote answer past the budget (a
 * late answer beats none): the remote side's own request timeout bounds it. Thread-safe; close() stops its threads.
 */
public final class BudgetedCall implements AutoCloseable {
  /**
   * When the local fallback starts and when its answer counts: PARALLEL runs it at once and takes the first answer;
   * BACKUP starts it once the remaining budget falls below its p99 plus the hand-over time; STANDBY (MDInference's
   * on-device fallback) runs it at once but holds its answer until the budget less the hand-over time, so the remote
   * answer wins whenever it arrives by then.
   */
  public enum Mode { PARALLEL, BACKUP, STANDBY }

  /**
   * The winning answer, which side gave it, the time from the call to its return, this call's hand-over time (from
   * the moment the answer was due to the return, ms) and the margin the call was planned with ({@link #marginMs} at
   * its start, ms): a hand-over larger than the margin is what makes an answer late.
   */
  public record Result<T>(T value, boolean local, double elapsedMs, double handoverMs, double marginMs) {}

  /** Time and the timed wait, replaceable so that the rule is tested on a fake clock. */
  interface Clock {
    long nanoTime();

    /** The queue's head, waiting up to {@code nanos} ({@link Long#MAX_VALUE}: until one comes); null if none. */
    <E> E poll(LinkedBlockingQueue<E> queue, long nanos) throws InterruptedException;
  }

  private static final Clock SYSTEM = new Clock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public <E> E poll(LinkedBlockingQueue<E> queue, long nanos) throws InterruptedException {
      return nanos == Long.MAX_VALUE ? queue.take() : queue.poll(nanos, TimeUnit.NANOSECONDS);
    }
  };

  /** Hand-over times kept: the release margin is twice their maximum (up to half the budget). */
  static final int HANDOVER_WINDOW = 1000;

  /** Remote round trips kept for the fastest one (the floor of a remote answer's arrival). */
  static final int REMOTE_WINDOW = 200;

  /** Round trips measured before the floor is trusted: until then a held answer is held to the release. */
  static final int REMOTE_FLOOR_MIN = 20;

  /** An outcome from a worker (the remote side's, or a local run beside the wait), stamped when it arrived. */
  private record Delivery(boolean local, Object value, long at) {}

  private final Mode mode;
  private final Clock clock;
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "edgewise-budgeted-call");
    t.setDaemon(true);
    return t;
  });
  private final LatencyStats remote = new LatencyStats(0.2);
  /** This caller's remote round trips (one link, one server): guarded by this. */
  private final RecentTimes remoteTrips = new RecentTimes(REMOTE_WINDOW);
  /** The hand-over times every BudgetedCall of this process measures (guarded by itself). */
  private static final RecentTimes MACHINE_HANDOVERS = new RecentTimes(HANDOVER_WINDOW);
  private final RecentTimes handovers;

  public BudgetedCall(Mode mode) {
    this(mode, SYSTEM, MACHINE_HANDOVERS);
  }

  /** On a fake clock, with hand-over times of its own. */
  BudgetedCall(Mode mode, Clock clock) {
    this(mode, clock, new RecentTimes(HANDOVER_WINDOW));
  }

  private BudgetedCall(Mode mode, Clock clock, RecentTimes handovers) {
    this.mode = mode;
    this.clock = clock;
    this.handovers = handovers;
  }

  /** Moving average of the remote calls' round trips (ms); NaN before the first one completes. */
  public synchronized double estimatedRemoteMs() {
    return remote.ema();
  }

  /** The largest hand-over time of the last calls (ms); 0 before the first call. */
  public double handoverMs() {
    synchronized (handovers) {
      return handovers.count() == 0 ? 0 : handovers.quantile(1);
    }
  }

  /**
   * The margin a next call of {@code budgetMs} keeps before the end of its budget for the hand-over (ms): twice
   * {@link #handoverMs()}, so that a hand-over larger than every one measured so far still lands in time, with the part
   * above {@link #handoverMs()} limited to half the budget (each held answer's remote side keeps at least that long).
   */
  public double marginMs(double budgetMs) {
    return BudgetDecision.releaseMargin((long) (handoverMs() * 1e6), (long) (budgetMs * 1e6)) / 1e6;
  }

  /**
   * The fastest of the last remote round trips (ms); 0 while fewer than {@link #REMOTE_FLOOR_MIN} are measured. A
   * STANDBY call whose release comes before it hands its local answer over at once ({@link BudgetDecision}).
   */
  public synchronized double remoteFloorMs() {
    return remoteTrips.count() < REMOTE_FLOOR_MIN ? 0 : remoteTrips.quantile(0);
  }

  private synchronized void recordRemote(double ms, boolean counted) {
    if (counted) {
      remote.add(ms);
    }
    remoteTrips.add(ms);
  }

  private void recordHandover(double ms) {
    synchronized (handovers) {
      handovers.add(ms);
    }
  }

  /**
   * Runs the call. {@code localMs} is the local variant's measured p99 on the device (e.g.
   * {@link LocalFallback#expectedMs()}). Throws when both sides fail, with the remote's failure as the cause.
   */
  public <T> Result<T> call(Duration budget, Supplier<T> remoteCall, Supplier<T> localCall, double localMs) {
    return call(budget, remoteCall, localCall, localMs, v -> { });
  }

  /**
   * As above; {@code discard} receives the loser's answer (e.g. to close its tensors), now or when it still arrives
   * after the winner, so that nothing it holds leaks.
   */
  public <T> Result<T> call(Duration budget, Supplier<T> remoteCall, Supplier<T> localCall, double localMs,
      Consumer<? super T> discard) {
    if (budget.isNegative() || !(localMs >= 0)) {
      throw EdgewiseException.invalidArgument("BudgetedCall: need a budget >= 0 and a local time >= 0 ms; got "
          + budget + ", " + localMs);
    }
    long start = clock.nanoTime();
    long margin = BudgetDecision.releaseMargin((long) (handoverMs() * 1e6), budget.toNanos());
    BudgetDecision rule = BudgetDecision.plan(mode, budget.toNanos(),
        Double.isInfinite(localMs) ? Long.MAX_VALUE : (long) (localMs * 1e6), margin,
        (long) (remoteFloorMs() * 1e6));
    LinkedBlockingQueue<Delivery> arrived = new LinkedBlockingQueue<>();
    AtomicBoolean over = new AtomicBoolean();
    java.util.function.BiConsumer<Boolean, Object> deliver = (isLocal, v) -> {
      // an answer arriving once the call is over is the loser's: discarded here, never left in the queue
      synchronized (arrived) {
        if (!over.get()) {
          arrived.add(new Delivery(isLocal, v, clock.nanoTime()));
          return;
        }
      }
      discardValue(v, discard);
    };
    Future<?> remoteTask = workers.submit(() -> {
      Object v;
      try {
        v = remoteCall.get();
        if (v != null) {
          // a call cancelled because the other side won is no round trip (it threw); one left running after an
          // early hand-over is, and keeps the floor measured, but not the moving average (as before)
          recordRemote((clock.nanoTime() - start) / 1e6, !over.get());
        }
      } catch (RuntimeException e) {
        v = e;
      } catch (Throwable e) {  // an Error must still end the wait
        v = new IllegalStateException(e);
      }
      deliver.accept(false, v);
    });
    Future<?> localTask = null;
    Object localValue = null;
    Object remoteValue = null;
    BudgetDecision.Local local = BudgetDecision.Local.NOT_RUN;
    BudgetDecision.Remote remoteState = BudgetDecision.Remote.PENDING;
    long localReady = start;  // when the local answer was ready (or failed)
    long remoteAt = start;  // when the remote outcome arrived
    long due;  // when the answer handed over was due: ready, arrived or released
    long startLate = 0;  // BACKUP: how late the wake-up for the local start was
    boolean wonLocal;
    boolean early = false;  // a STANDBY answer handed over before the release: the remote could not come by then
    Object winner;
    Delivery d = null;
    try {
      while (true) {
        if (d == null) {
          d = arrived.poll();
        }
        if (d != null && d.local()) {  // the run beside the wait answered
          localValue = d.value();
          localReady = d.at();
          local = localValue == null || localValue instanceof Throwable ? BudgetDecision.Local.FAILED
              : BudgetDecision.Local.READY;
          d = null;
        } else if (d != null) {
          remoteValue = d.value();
          remoteAt = d.at();
          remoteState = remoteValue == null || remoteValue instanceof Throwable ? BudgetDecision.Remote.FAILED
              : BudgetDecision.Remote.READY;
          d = null;
        }
        long now = clock.nanoTime() - start;
        BudgetDecision.Action action = rule.next(now, local, remoteState);
        if (action == BudgetDecision.Action.RETURN_REMOTE) {
          if (local == BudgetDecision.Local.READY) {
            discardValue(localValue, discard);  // the held (or slower) local answer lost
          }
          // one that arrived during an inline local run waited for it
          due = local == BudgetDecision.Local.NOT_RUN || local == BudgetDecision.Local.RUNNING ? remoteAt
              : Math.max(remoteAt, localReady);
          wonLocal = false;
          winner = remoteValue;
          break;
        }
        if (action == BudgetDecision.Action.RETURN_LOCAL) {
          if (remoteState == BudgetDecision.Remote.FAILED) {
            due = Math.max(localReady, remoteAt);
          } else if (mode == Mode.STANDBY && rule.remoteTooSlow()) {
            due = localReady;
            early = remoteState == BudgetDecision.Remote.PENDING;
          } else if (mode == Mode.STANDBY) {
            due = Math.max(localReady, start + rule.releaseAt());
          } else {
            due = localReady;
          }
          wonLocal = true;
          winner = localValue;
          break;
        }
        if (action == BudgetDecision.Action.FAIL) {
          throw remoteValue instanceof RuntimeException e ? e
              : EdgewiseException.invalidArgument("BudgetedCall: both the remote and the local call failed "
                  + "(the remote answer was null)");
        }
        if (action == BudgetDecision.Action.RUN_LOCAL) {
          if (rule.localAt() > 0 && remoteState != BudgetDecision.Remote.FAILED) {
            startLate = now - rule.localAt();  // woken for the start: its lateness delays the answer too
          }
          if (!rule.inline(now)) {
            // its answer cannot be on time: run it beside the wait, so that a remote answer is not held back
            localTask = workers.submit(() -> {
              Object v;
              try {
                v = localCall.get();
              } catch (RuntimeException e) {
                v = e;
              } catch (Throwable e) {
                v = new IllegalStateException(e);
              }
              deliver.accept(true, v);
            });
            local = BudgetDecision.Local.RUNNING;
            continue;
          }
          try {
            localValue = localCall.get();
            local = localValue == null ? BudgetDecision.Local.FAILED : BudgetDecision.Local.READY;
          } catch (RuntimeException e) {
            local = BudgetDecision.Local.FAILED;
          }
          localReady = clock.nanoTime();
          continue;
        }
        // WAIT: for the remote outcome, at most until the next step is due
        d = clock.poll(arrived, rule.waitNanos(now, local));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (local == BudgetDecision.Local.READY) {
        discardValue(localValue, discard);
      }
      throw EdgewiseException.invalidArgument("BudgetedCall: interrupted while waiting for an answer");
    } finally {
      synchronized (arrived) {
        over.set(true);
      }
      if (d != null) {
        discardValue(d.value(), discard);
      }
      for (Delivery left; (left = arrived.poll()) != null; ) {
        discardValue(left.value(), discard);  // the answer that came after the winner was taken
      }
      if (!early) {
        // an early hand-over leaves the remote request running: its round trip keeps the floor measured, and its
        // answer goes to the discard callback
        remoteTask.cancel(true);
      }
      if (localTask != null) {
        localTask.cancel(true);
      }
    }
    long end = clock.nanoTime();
    double handover = Math.max(0, (end - due + startLate) / 1e6);
    recordHandover(handover);
    @SuppressWarnings("unchecked")
    T value = (T) winner;
    return new Result<>(value, wonLocal, (end - start) / 1e6, handover, margin / 1e6);
  }

  private static <T> void discardValue(Object v, Consumer<? super T> discard) {
    if (v != null && !(v instanceof Throwable)) {
      @SuppressWarnings("unchecked")
      T t = (T) v;
      discard.accept(t);
    }
  }

  @Override
  public void close() {
    workers.shutdownNow();
  }
}

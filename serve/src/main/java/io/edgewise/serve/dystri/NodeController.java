package io.edgewise.serve.dystri;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.dystri.LevelCosts;
import io.edgewise.adapt.dystri.LevelLadder;
import io.edgewise.adapt.dystri.LevelRule;
import io.edgewise.serve.peer.LevelInferHandler;
import io.edgewise.serve.peer.PeerErrorCode;
import io.edgewise.serve.peer.PeerMessage;
import io.edgewise.serve.peer.PeerMessage.LevelInfer;
import io.edgewise.serve.peer.PeerMessage.LoadReport;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's controller (Dystri, issue 25): admission, an earliest-deadline-first queue and the local choice of each
 * request's level from this node's own measured load and per-level latency.
 *
 * <ul>
 *   <li>Admission: a request is refused at once (DEADLINE_EXCEEDED, saying why) when even its lowest allowed level
 *       cannot finish within its budget behind the work already queued and running here, and (OVERLOADED) when the
 *       queue holds {@code maxQueue} requests. An idle node admits every request (at its lowest allowed level if none
 *       fits): a level's estimate changes only when it runs, so an estimate inflated by one stall would otherwise
 *       refuse that level for ever.</li>
 *   <li>The queue is ordered by deadline; {@code workers} threads take the earliest.</li>
 *   <li>Level: chosen at admission with the estimated wait (the queued work with earlier deadlines, which EDF
 *       serves first, plus what running work has left, over the workers), and again when a worker takes the
 *       request, with the time then left, never above the admission's choice: a request that waited longer than
 *       planned steps down instead of finishing late. Work whose deadline passed in the queue is answered
 *       DEADLINE_EXCEEDED and not run.</li>
 * </ul>
 *
 * <p>Admission and both level choices apply the coordinator's rule, {@link FinishPlan#plan}: each level's mean
 * service time plus a margin, the measured tail of this node's own prediction errors ({@link ErrorTail}: the
 * admission's predicted finish, wait + the mean of the level that ran, against the request's observed finish here),
 * with mean + 2 deviations and no margin until enough errors are measured. One rule, so the node does not refuse at
 * admission what the coordinator, planning with the same kind of estimate, routed to it as feasible.
 *
 * Every request is answered exactly once, unless the node is {@link #kill killed} (fault injection: the answers the
 * crash loses are the coordinator's to give). Owns its workers, not the executor.
 */
public final class NodeController implements LevelInferHandler, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeController.class);

  private final LevelExecutor levels;
  private final LevelLadder ladder;
  private final LevelCosts costs;
  /** Observed minus predicted finish of this node's admitted requests; its tail is the planning margin. */
  private final ErrorTail errors = ErrorTail.forPlanning();
  /** The work admitted here lately, by budget: tighter work arriving while a request waits is served first. */
  private final TighterLoad tighter = TighterLoad.forPlanning();
  private final int workers;
  private final int maxQueue;
  private final PriorityQueue<Job> queue = new PriorityQueue<>((a, b) -> a.deadlineNanos != b.deadlineNanos
      ? Long.compare(a.deadlineNanos, b.deadlineNanos) : Long.compare(a.seq, b.seq));
  private final List<Thread> threads = new ArrayList<>();
  private final long[] runningUntilNanos;
  private long seq;
  private boolean closed;
  private volatile boolean killed;
  // load accounting since the previous report
  private long busyNanos;
  private long computedNanos;
  private long computedCount;
  private long completed;
  private long lastReportNanos = System.nanoTime();

  private final class Job {
    final LevelInfer request;
    final Consumer<PeerMessage> answer;
    final long receivedNanos;
    final long deadlineNanos;
    final long seq;
    final int level;
    final double estimateMs;
    final double waitMs;
    /** Admitted by an idle node although no level fit: run whatever the estimates say (see submit). */
    final boolean tryAnyway;

    Job(LevelInfer request, Consumer<PeerMessage> answer, long receivedNanos, long deadlineNanos, long seq,
        int level, double estimateMs, double waitMs, boolean tryAnyway) {
      this.tryAnyway = tryAnyway;
      this.request = request;
      this.answer = answer;
      this.receivedNanos = receivedNanos;
      this.deadlineNanos = deadlineNanos;
      this.seq = seq;
      this.level = level;
      this.estimateMs = estimateMs;
      this.waitMs = waitMs;
    }
  }

  /**
   * @param workers requests served at once (a node restricted to one core: 1)
   * @param maxQueue requests waiting beyond those
   */
  public NodeController(LevelExecutor levels, int workers, int maxQueue) {
    if (workers < 1 || maxQueue < 1) {
      throw EdgewiseException.invalidArgument("node controller: workers and queue must be at least 1, got " + workers
          + ", " + maxQueue);
    }
    this.levels = levels;
    this.ladder = levels.ladder();
    this.costs = new LevelCosts(ladder, 0.1, 2);
    this.workers = workers;
    this.maxQueue = maxQueue;
    this.runningUntilNanos = new long[workers];
    for (int i = 0; i < workers; i++) {
      int w = i;
      Thread t = new Thread(() -> work(w), "dystri-node-worker-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  public LevelLadder ladder() {
    return ladder;
  }

  @Override
  public void submit(LevelInfer request, Consumer<PeerMessage> answer) {
    long now = System.nanoTime();
    long budget = request.deadlineMicros() <= 0 || request.deadlineMicros() >= Long.MAX_VALUE / 1000
        ? Long.MAX_VALUE / 4 : request.deadlineMicros() * 1000;
    if (request.lowest() > ladder.top()) {
      reply(request, answer, error(PeerErrorCode.INVALID_ARGUMENT, "level " + request.lowest() + " out of range: "
          + "this node serves levels 0.." + ladder.top()));
      return;
    }
    PeerMessage refusal = null;
    synchronized (this) {
      if (closed || killed) {
        refusal = error(PeerErrorCode.OVERLOADED, "the node is shutting down");
      } else if (queue.size() >= maxQueue) {
        refusal = error(PeerErrorCode.OVERLOADED, "the node's queue is full (" + maxQueue + " requests)");
      } else {
        double waitMs = waitMs(now, now + budget);
        LevelRule.Choice c = plan(waitMs, budget / 1e6, request.lowest(), request.highest(),
            request.accuracyWant()).choice();
        boolean tryAnyway = !c.fits() && idle();
        if (tryAnyway) {
          // an idle node tries it at the lowest allowed level rather than trust an estimate that says no: a level's
          // estimate only changes when the level runs, so one stall while it was measured would refuse it for ever
          c = new LevelRule.Choice(c.level(), true, c.meetsWant(), c.finishMs());
        }
        if (!c.fits()) {
          refusal = error(PeerErrorCode.DEADLINE_EXCEEDED, String.format("cannot meet the deadline: %.1f ms of "
              + "work ahead here plus %.1f ms at level %s exceeds the budget of %.1f ms", waitMs,
              c.finishMs() - waitMs, ladder.get(c.level()).name(), budget / 1e6));
        } else {
          Job j = new Job(request, answer, now, now + budget, seq++, c.level(), costs.mean(c.level()), waitMs,
              tryAnyway);
          tighter.add(now, budget / 1e6, j.estimateMs);
          queue.add(j);
          notifyAll();
        }
      }
    }
    if (refusal != null) {
      reply(request, answer, refusal);
    }
  }

  /**
   * The node's rule ({@link FinishPlan#plan}, the coordinator's) for a request with {@code waitMs} of work ahead here
   * and {@code slackMs} left, with this node's current error tail, the wait stretched by the work admitted here
   * lately with a shorter budget (EDF serves what of it arrives meanwhile first).
   */
  FinishPlan.Plan plan(double waitMs, double slackMs, int lowest, int highest, double want) {
    long now = System.nanoTime();
    return FinishPlan.plan(ladder, costs, errors.tailMs(), waitMs, tighter.shareBelow(now, slackMs, workers),
        tighter.shareBelow(now, Double.POSITIVE_INFINITY, workers), 0, slackMs, lowest, highest, want);
  }

  /** The work admitted here lately (package-private: tests feed it hand-made work). */
  TighterLoad tighter() {
    return tighter;
  }

  /** This node's prediction errors (package-private: tests feed it hand-made errors). */
  ErrorTail errors() {
    return errors;
  }

  /**
   * Estimated wait (ms) of a request admitted now with this deadline: the queued work that EDF serves before it (an
   * earlier or equal deadline; later work waits behind it) plus what running work has left, over the workers.
   */
  private double waitMs(long now, long deadlineNanos) {
    double ahead = 0;
    for (long until : runningUntilNanos) {
      ahead += Math.max(0, until - now) / 1e6;
    }
    for (Job j : queue) {
      if (j.deadlineNanos - deadlineNanos <= 0) {
        ahead += j.estimateMs;
      }
    }
    return ahead / workers;
  }

  /** Nothing queued and no worker running (a run past its estimate still counts as running). */
  private boolean idle() {
    if (!queue.isEmpty()) {
      return false;
    }
    for (long until : runningUntilNanos) {
      if (until != 0) {
        return false;
      }
    }
    return true;
  }

  private void work(int w) {
    while (true) {
      Job j;
      synchronized (this) {
        while (queue.isEmpty() && !closed && !killed) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (killed || queue.isEmpty()) {
          return;  // closed: close() answered what was queued
        }
        j = queue.poll();
      }
      serve(w, j);
    }
  }

  private void serve(int w, Job j) {
    long start = System.nanoTime();
    if (start - j.deadlineNanos > 0) {
      // it would have finished no sooner than its deadline: a lower bound of the error, as the coordinator counts it
      errors.observe((start - j.receivedNanos) / 1e6 - (j.waitMs + costs.mean(j.level)));
      reply(j.request, j.answer, error(PeerErrorCode.DEADLINE_EXCEEDED, String.format("deadline passed while queued "
          + "(waited %.1f ms); not run", (start - j.receivedNanos) / 1e6)));
      return;
    }
    double leftMs = (j.deadlineNanos - start) / 1e6;
    LevelRule.Choice c = plan(0, leftMs, j.request.lowest(), j.level, j.request.accuracyWant()).choice();
    // when nothing fits, the rule names the lowest level the request allows
    int level = c.level();
    double meanMs = costs.mean(level);
    if (meanMs > leftMs && !j.tryAnyway) {
      // even its lowest level's mean run ends past the deadline: running it would most likely be late anyway and
      // would take the worker from the requests queued behind it, which may still make theirs
      errors.observe(Math.max(0, j.deadlineNanos - j.receivedNanos) / 1e6 - (j.waitMs + meanMs));
      reply(j.request, j.answer, error(PeerErrorCode.DEADLINE_EXCEEDED, String.format("cannot finish in the %.1f "
          + "ms left after waiting %.1f ms in the queue: level %s takes %.1f ms; not run", leftMs,
          (start - j.receivedNanos) / 1e6, ladder.get(level).name(), meanMs)));
      return;
    }
    synchronized (this) {
      runningUntilNanos[w] = start + (long) (meanMs * 1e6);
    }
    PeerMessage answer;
    long computeStart = System.nanoTime();
    try {
      Map<String, Tensor> out = levels.run(level, j.request.tensors());
      long computed = System.nanoTime() - computeStart;
      costs.observe(level, computed / 1e6);
      // the admission's prediction for the level that ran (its wait there, this level's mean when it started)
      errors.observe((System.nanoTime() - j.receivedNanos) / 1e6 - (j.waitMs + meanMs));
      answer = new PeerMessage.LevelResult(level, (start - j.receivedNanos) / 1000, computed / 1000, out,
          j.request.resultEncoding());
      synchronized (this) {
        computedNanos += computed;
        computedCount++;
      }
    } catch (EdgewiseException e) {
      answer = error(e.code() == EdgewiseException.ErrorCode.INTERNAL ? PeerErrorCode.INTERNAL
          : PeerErrorCode.INVALID_ARGUMENT, e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("level inference failed", e);
      answer = error(PeerErrorCode.INTERNAL, e.toString());
    }
    synchronized (this) {
      runningUntilNanos[w] = 0;
      busyNanos += System.nanoTime() - start;
      completed++;
    }
    reply(j.request, j.answer, answer);
  }

  private void reply(LevelInfer request, Consumer<PeerMessage> answer, PeerMessage m) {
    request.close();
    if (killed) {
      m.close();
      return;  // a crashed node answers nothing
    }
    answer.accept(m);
  }

  private static PeerMessage error(PeerErrorCode code, String message) {
    return new PeerMessage.Error(code, message);
  }

  @Override
  public synchronized LoadReport load() {
    long now = System.nanoTime();
    long wall = Math.max(1, now - lastReportNanos);
    int running = 0;
    for (long until : runningUntilNanos) {
      running += until != 0 ? 1 : 0;
    }
    LoadReport r = new LoadReport(running, queue.size(), workers, Math.min(1.0, busyNanos / (double) wall / workers),
        computedCount == 0 ? 0 : computedNanos / 1e6 / computedCount, completed);
    lastReportNanos = now;
    busyNanos = 0;
    computedNanos = 0;
    computedCount = 0;
    return r;
  }

  /** Fault injection: the node stops as a crashed process would; nothing queued or running is answered. */
  public void kill() {
    killed = true;
    synchronized (this) {
      queue.forEach(j -> j.request.close());
      queue.clear();
      notifyAll();
    }
  }

  /** Answers what is still queued (OVERLOADED: shutting down), lets running work finish and stops the workers. */
  @Override
  public void close() {
    List<Job> left;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      left = new ArrayList<>(queue);
      queue.clear();
      notifyAll();
    }
    for (Job j : left) {
      reply(j.request, j.answer, error(PeerErrorCode.OVERLOADED, "the node is shutting down"));
    }
    for (Thread t : threads) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}

package io.edgewise.adapt.cosched.exec;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.cosched.CoschedPolicy;
import io.edgewise.adapt.cosched.NodeState;
import io.edgewise.adapt.cosched.Observation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * Executes a co-scheduling policy on real device groups: each group has a FIFO queue and one worker thread; {@link
 * #submit} asks the policy (with the node's state at that moment) which group runs the request and queues it there.
 * When a request finishes, the runner tells the policy what it cost (wait, run, and per group the fraction of the run
 * that group was busy) and then the listener. Policy calls and the node state are guarded by one lock, so a policy
 * sees calls from one thread at a time. The runner does not own the groups.
 */
public final class CoRunner implements AutoCloseable {
  /** A finished request, measured (error: why its run failed, or null). */
  public record Completed(int model, int group, long arrivalNanos, double waitMs, double serviceMs, String error) {
    public double latencyMs() {
      return waitMs + serviceMs;
    }
  }

  /** A request still queued when the runner stopped: it never ran. */
  public record Abandoned(int model, int group, long arrivalNanos) {}

  private record Job(int model, long arrivalNanos, boolean stop) {}

  private final List<DeviceGroup> groups;
  private final CoschedPolicy policy;
  private final Consumer<Completed> listener;
  private final int models;
  private final Object lock = new Object();
  private final int[][] queued;
  private final int[] running;
  private final long[] runStart;
  private final long[] busyNanos;
  /** Per group, the model of the request queued last (what a new one would follow), and of the run before. */
  private final int[] lastQueued;
  private final int[] lastRun;
  private final List<LinkedBlockingQueue<Job>> queues = new ArrayList<>();
  private final List<Thread> workers = new ArrayList<>();
  private boolean stopped;

  public CoRunner(List<DeviceGroup> groups, CoschedPolicy policy, Consumer<Completed> listener) {
    if (groups.isEmpty()) {
      throw EdgewiseException.invalidArgument("CoRunner: no device groups");
    }
    this.groups = List.copyOf(groups);
    this.policy = policy;
    this.listener = listener;
    this.models = groups.get(0).models();
    for (DeviceGroup g : groups) {
      if (g.models() != models) {
        throw EdgewiseException.invalidArgument("CoRunner: group " + g.name() + " has " + g.models()
            + " models, group " + groups.get(0).name() + " " + models);
      }
    }
    int n = groups.size();
    this.queued = new int[n][models];
    this.running = new int[n];
    java.util.Arrays.fill(running, -1);
    this.runStart = new long[n];
    this.busyNanos = new long[n];
    this.lastQueued = new int[n];
    this.lastRun = new int[n];
    java.util.Arrays.fill(lastQueued, -1);
    java.util.Arrays.fill(lastRun, -1);
    for (int g = 0; g < n; g++) {
      queues.add(new LinkedBlockingQueue<>());
      int group = g;
      Thread t = new Thread(() -> work(group), "cosched-" + groups.get(g).name());
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
  }

  /** Places one request of {@code model} arriving now; returns the group the policy chose. */
  public int submit(int model) {
    return submit(model, System.nanoTime());
  }

  /**
   * Places one request of {@code model} that arrived at {@code arrivalNanos} (System.nanoTime; an open-loop load
   * generator passes the arrival it scheduled, so a late submit still counts the time the request waited for it).
   */
  public int submit(int model, long arrivalNanos) {
    if (model < 0 || model >= models) {
      throw EdgewiseException.invalidArgument("CoRunner: no model " + model + " (" + models + " models)");
    }
    long now = System.nanoTime();
    int g;
    synchronized (lock) {
      if (stopped) {
        throw new IllegalStateException("CoRunner: submit after stop");
      }
      g = policy.choose(model, state(now));
      if (g < 0 || g >= groups.size() || !groups.get(g).runs(model)) {
        throw EdgewiseException.invalidArgument("policy " + policy.name() + " placed model " + model + " on group "
            + g + ", which cannot run it");
      }
      queued[g][model]++;
      lastQueued[g] = model;
      queues.get(g).add(new Job(model, Math.min(arrivalNanos, now), false));  // under the lock: stop() never misses it
    }
    return g;
  }

  private NodeState state(long now) {
    int n = groups.size();
    int[][] q = new int[n][];
    double[] runningMs = new double[n];
    for (int g = 0; g < n; g++) {
      q[g] = queued[g].clone();
      runningMs[g] = running[g] >= 0 ? (now - runStart[g]) / 1e6 : 0;
    }
    return new NodeState(q, running.clone(), runningMs, now / 1e6, lastQueued.clone());
  }

  /** Busy time of {@code group} since the runner started, up to {@code now} (under the lock). */
  private long busyUntil(int group, long now) {
    return busyNanos[group] + (running[group] >= 0 ? now - runStart[group] : 0);
  }

  private void work(int g) {
    LinkedBlockingQueue<Job> queue = queues.get(g);
    DeviceGroup group = groups.get(g);
    int n = groups.size();
    while (true) {
      Job job;
      try {
        job = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (job.stop()) {
        return;
      }
      long start;
      long[] busyAtStart = new long[n];
      boolean cold;
      synchronized (lock) {
        cold = lastRun[g] != job.model();
        lastRun[g] = job.model();
        start = System.nanoTime();
        for (int j = 0; j < n; j++) {
          busyAtStart[j] = busyUntil(j, start);
        }
        running[g] = job.model();
        runStart[g] = start;
      }
      String error = null;
      try {
        group.run(job.model());
      } catch (RuntimeException e) {
        error = e.getMessage() == null ? e.toString() : e.getMessage();
      }
      Completed done;
      synchronized (lock) {
        long end = System.nanoTime();
        long service = Math.max(1, end - start);
        double[] overlap = new double[n];
        for (int j = 0; j < n; j++) {
          overlap[j] = j == g ? 1 : Math.min(1, (busyUntil(j, end) - busyAtStart[j]) / (double) service);
        }
        busyNanos[g] += end - start;
        running[g] = -1;
        queued[g][job.model()]--;
        done = new Completed(job.model(), g, job.arrivalNanos(), (start - job.arrivalNanos()) / 1e6, service / 1e6,
            error);
        if (error == null) {
          policy.observe(new Observation(job.model(), g, done.waitMs(), done.serviceMs(), overlap, cold, end / 1e6));
        }
      }
      listener.accept(done);
    }
  }

  /**
   * Stops taking requests: drops what is still queued (returned), lets each group finish the request it is running
   * (reported to the listener as usual) and stops the workers.
   */
  public List<Abandoned> stop() {
    List<Abandoned> dropped = new ArrayList<>();
    synchronized (lock) {
      if (stopped) {
        return dropped;
      }
      stopped = true;
      for (int g = 0; g < groups.size(); g++) {
        List<Job> left = new ArrayList<>();
        queues.get(g).drainTo(left);
        for (Job j : left) {
          dropped.add(new Abandoned(j.model(), g, j.arrivalNanos()));
          queued[g][j.model()]--;
        }
        queues.get(g).add(new Job(-1, 0, true));
      }
    }
    for (Thread t : workers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return dropped;
  }

  /** Requests submitted and not finished yet (queued or running). */
  public int outstanding() {
    synchronized (lock) {
      int n = 0;
      for (int[] q : queued) {
        for (int c : q) {
          n += c;
        }
      }
      return n;
    }
  }

  /** How long each group has been busy since the runner started (ms, measured). */
  public double[] busyMs() {
    synchronized (lock) {
      long now = System.nanoTime();
      double[] out = new double[groups.size()];
      for (int g = 0; g < out.length; g++) {
        out[g] = busyUntil(g, now) / 1e6;
      }
      return out;
    }
  }

  @Override
  public void close() {
    stop();
  }
}

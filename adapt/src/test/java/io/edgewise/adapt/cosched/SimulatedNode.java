package io.edgewise.adapt.cosched;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A node in simulated time with deterministic service times: group g runs one request at a time from its FIFO queue;
 * alone, a request of model m needs solo[m][g] ms; while other groups are busy it progresses more slowly, at
 * 1 / (1 + sum over busy j of contention[g][j]) of its solo speed (groups that share cores). Arrivals per model are
 * Poisson from a seeded generator, so a run is reproducible. Time advances in steps of 0.01 ms. A run that follows
 * one of another model on its group (cold caches) needs {@code coldFactor} times its solo work.
 */
final class SimulatedNode {
  private static final double DT = 0.01;

  /** One finished request. */
  record Done(int model, int group, double arrivalMs, double latencyMs) {}

  private final double[][] solo;
  private final double[][] contention;
  private final double coldFactor;
  /** Cores the groups share (0: each group its own, contention as given); more busy groups than cores share them. */
  private final int cores;
  /** The fraction of its share a busy group loses while the cores are oversubscribed (switches, cache thrash). */
  private final double thrash;

  SimulatedNode(double[][] solo, double[][] contention) {
    this(solo, contention, 1);
  }

  SimulatedNode(double[][] solo, double[][] contention, double coldFactor) {
    this(solo, contention, coldFactor, 0, 0);
  }

  /**
   * Groups on {@code cores} shared cores: while b groups are busy, each progresses at min(1, cores / b) of its speed
   * given by the contention, and at (1 - thrash) of that while b exceeds the cores (three 1-thread groups on two
   * cores).
   */
  SimulatedNode(double[][] solo, double[][] contention, double coldFactor, int cores, double thrash) {
    this.solo = solo;
    this.contention = contention;
    this.coldFactor = coldFactor;
    this.cores = cores;
    this.thrash = thrash;
  }

  private static final class Request {
    final int model;
    final double arrival;
    double start = -1;
    double progress;
    boolean cold;
    final double[] busyTime;

    Request(int model, double arrival, int groups) {
      this.model = model;
      this.arrival = arrival;
      this.busyTime = new double[groups];
    }
  }

  /** Runs {@code requests} arrivals (mean gap per model 1 / ratePerMs[m]) to completion; finished in arrival order. */
  List<Done> run(CoschedPolicy policy, double[] ratePerMs, int requests, long seed) {
    int models = solo.length;
    int groups = solo[0].length;
    Random random = new Random(seed);
    double[] nextArrival = new double[models];
    for (int m = 0; m < models; m++) {
      nextArrival[m] = -Math.log(1 - random.nextDouble()) / ratePerMs[m];
    }
    List<ArrayDeque<Request>> queues = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      queues.add(new ArrayDeque<>());
    }
    List<Done> done = new ArrayList<>();
    int[] lastQueued = new int[groups];
    int[] lastRun = new int[groups];
    java.util.Arrays.fill(lastQueued, -1);
    java.util.Arrays.fill(lastRun, -1);
    int arrived = 0;
    double now = 0;
    while (done.size() < requests) {
      for (int m = 0; m < models && arrived < requests; m++) {
        while (nextArrival[m] <= now && arrived < requests) {
          int g = policy.choose(m, state(queues, models, now, lastQueued));
          queues.get(g).add(new Request(m, nextArrival[m], groups));
          lastQueued[g] = m;
          arrived++;
          nextArrival[m] += -Math.log(1 - random.nextDouble()) / ratePerMs[m];
        }
      }
      boolean[] busy = new boolean[groups];
      for (int g = 0; g < groups; g++) {
        Request r = queues.get(g).peek();
        if (r != null) {
          if (r.start < 0) {
            r.start = now;
            r.cold = lastRun[g] != r.model;
            lastRun[g] = r.model;
          }
          busy[g] = true;
        }
      }
      int busyCount = 0;
      for (boolean b : busy) {
        busyCount += b ? 1 : 0;
      }
      double share = cores > 0 && busyCount > cores ? (double) cores / busyCount * (1 - thrash) : 1;
      for (int g = 0; g < groups; g++) {
        Request r = queues.get(g).peek();
        if (r == null) {
          continue;
        }
        double slow = 1 / share;
        for (int j = 0; j < groups; j++) {
          if (j != g && busy[j]) {
            slow += contention[g][j];
            r.busyTime[j] += DT;
          }
        }
        r.busyTime[g] += DT;
        r.progress += DT / slow;
      }
      now += DT;
      for (int g = 0; g < groups; g++) {
        Request r = queues.get(g).peek();
        if (r != null && r.progress >= solo[r.model][g] * (r.cold ? coldFactor : 1) - 1e-9) {
          queues.get(g).poll();
          double service = now - r.start;
          double[] overlap = new double[groups];
          for (int j = 0; j < groups; j++) {
            overlap[j] = Math.min(1, r.busyTime[j] / service);
          }
          policy.observe(new Observation(r.model, g, r.start - r.arrival, service, overlap, r.cold, now));
          done.add(new Done(r.model, g, r.arrival, now - r.arrival));
        }
      }
    }
    done.sort((x, y) -> Double.compare(x.arrivalMs(), y.arrivalMs()));
    return done;
  }

  private static NodeState state(List<ArrayDeque<Request>> queues, int models, double now, int[] lastQueued) {
    int groups = queues.size();
    int[][] queued = new int[groups][models];
    int[] running = new int[groups];
    double[] runningMs = new double[groups];
    for (int g = 0; g < groups; g++) {
      running[g] = -1;
      for (Request r : queues.get(g)) {
        queued[g][r.model]++;
      }
      Request head = queues.get(g).peek();
      if (head != null && head.start >= 0) {
        running[g] = head.model;
        runningMs[g] = now - head.start;
      }
    }
    return new NodeState(queued, running, runningMs, now, lastQueued.clone());
  }
}

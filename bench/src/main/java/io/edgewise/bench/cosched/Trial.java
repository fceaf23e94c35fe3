package io.edgewise.bench.cosched;

import io.edgewise.adapt.cosched.CoschedPolicy;
import io.edgewise.adapt.cosched.exec.CoRunner;
import io.edgewise.adapt.cosched.exec.DeviceGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * One policy under one open-loop load, measured: the arrivals (the same list for every policy of a mix) are submitted
 * at their times from this thread; requests arriving in the first {@code warmup} seconds are not counted (the
 * learner learns during them, as it keeps doing after); for those arriving in the next {@code seconds}: latency from
 * the scheduled arrival to the end of the run, SLO misses, and throughput as the requests that finished within that
 * window per second. After the last arrival the queues get {@code drain} seconds; a request still queued then never
 * runs and counts with its age at that moment (a lower bound of its latency) and as an SLO miss.
 */
final class Trial {
  /** A request of {@code model} arriving {@code atMs} after the start. */
  record Arrival(double atMs, int model) {}

  /** The figures of one run (all measured). */
  record Result(String policy, int arrived, int finished, int failed, int abandoned, int completedInWindow,
      double throughputRps, double p50Ms, double p99Ms, double sloMissRate, int[][] placed, String firstError,
      Histogram latencyUs, int missed, double seconds) {

    /**
     * One policy's rounds as one result: the counts and placements added up, throughput over the rounds' measured
     * seconds together, p50/p99 of every round's latencies together (not an average of percentiles).
     */
    static Result merge(List<Result> rounds) {
      Result first = rounds.get(0);
      Histogram h = new Histogram(3);
      int arrived = 0;
      int finished = 0;
      int failed = 0;
      int abandoned = 0;
      int completed = 0;
      int missed = 0;
      double seconds = 0;
      String error = null;
      int[][] placed = new int[first.placed().length][first.placed()[0].length];
      for (Result r : rounds) {
        h.add(r.latencyUs());
        arrived += r.arrived();
        finished += r.finished();
        failed += r.failed();
        abandoned += r.abandoned();
        completed += r.completedInWindow();
        missed += r.missed();
        seconds += r.seconds();
        error = error != null ? error : r.firstError();
        for (int m = 0; m < placed.length; m++) {
          for (int g = 0; g < placed[m].length; g++) {
            placed[m][g] += r.placed()[m][g];
          }
        }
      }
      return new Result(first.policy(), arrived, finished, failed, abandoned, completed, completed / seconds,
          h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
          (double) missed / Math.max(1, arrived), placed, error, h, missed, seconds);
    }
  }

  private Trial() {}

  /** Poisson arrivals of each model at its rate (per second) over {@code seconds}, merged in time order. */
  static List<Arrival> poisson(double[] ratesPerS, double seconds, long seed) {
    Random random = new Random(seed);
    List<Arrival> out = new ArrayList<>();
    for (int m = 0; m < ratesPerS.length; m++) {
      double t = 0;
      while (true) {
        t += -Math.log(1 - random.nextDouble()) / ratesPerS[m] * 1000;
        if (t >= seconds * 1000) {
          break;
        }
        out.add(new Arrival(t, m));
      }
    }
    out.sort((a, b) -> Double.compare(a.atMs(), b.atMs()));
    return out;
  }

  static Result run(List<DeviceGroup> groups, CoschedPolicy policy, List<Arrival> arrivals, double warmupS,
      double seconds, double drainS, double[] sloMs) {
    int models = sloMs.length;
    Histogram latencyUs = new Histogram(3);
    int[][] placed = new int[models][groups.size()];
    long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    long windowStart = t0 + (long) (warmupS * 1e9);
    long windowEnd = windowStart + (long) (seconds * 1e9);
    Object lock = new Object();
    int[] counts = new int[6];  // arrived, completed in window, failed, missed SLO, abandoned, finished
    String[] firstError = new String[1];
    CoRunner runner = new CoRunner(groups, policy, done -> {
      long now = System.nanoTime();
      synchronized (lock) {
        if (now >= windowStart && now < windowEnd && done.error() == null) {
          counts[1]++;
        }
        if (done.arrivalNanos() >= windowStart && done.arrivalNanos() < windowEnd) {
          placed[done.model()][done.group()]++;
          if (done.error() != null) {
            counts[2]++;
            counts[3]++;
            if (firstError[0] == null) {
              firstError[0] = done.error();
            }
          } else {
            counts[5]++;
            latencyUs.recordValue(Math.max(1, (long) (done.latencyMs() * 1000)));
            if (done.latencyMs() > sloMs[done.model()]) {
              counts[3]++;
            }
          }
        }
      }
    });
    try {
      for (Arrival a : arrivals) {
        long at = t0 + (long) (a.atMs() * 1e6);
        if (at >= windowEnd) {
          break;
        }
        long wait = at - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        runner.submit(a.model(), at);
        if (at >= windowStart) {
          synchronized (lock) {
            counts[0]++;
          }
        }
      }
      long drainEnd = Math.max(System.nanoTime(), windowEnd) + (long) (drainS * 1e9);
      while (runner.outstanding() > 0 && System.nanoTime() < drainEnd) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
    } finally {
      long stopAt = System.nanoTime();
      for (CoRunner.Abandoned a : runner.stop()) {
        if (a.arrivalNanos() >= windowStart && a.arrivalNanos() < windowEnd) {
          synchronized (lock) {
            counts[3]++;
            counts[4]++;
            placed[a.model()][a.group()]++;
            latencyUs.recordValue(Math.max(1, (stopAt - a.arrivalNanos()) / 1000));
          }
        }
      }
    }
    synchronized (lock) {
      int arrived = Math.max(1, counts[0]);
      return new Result(policy.name(), counts[0], counts[5], counts[2], counts[4], counts[1], counts[1] / seconds,
          latencyUs.getValueAtPercentile(50) / 1000.0, latencyUs.getValueAtPercentile(99) / 1000.0,
          (double) counts[3] / arrived, placed, firstError[0], latencyUs, counts[3], seconds);
    }
  }
}

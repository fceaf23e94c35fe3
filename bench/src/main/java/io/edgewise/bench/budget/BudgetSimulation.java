package io.edgewise.bench.budget;

import io.edgewise.adapt.LatencyStats;
import io.edgewise.adapt.TimeBudgetRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * MDInference's experiment with MEASURED models and a SIMULATED link: each variant's answers (right or wrong) and
 * latencies were measured on every test sample in this process (the server); each request draws a test sample, a
 * network round trip from the link's distribution (normal, truncated at 0) and a server time from the chosen
 * variant's measured latencies. The server's rule sees latency statistics it keeps online ({@link LatencyStats}, from
 * a profile of the first measured runs, then every request it serves) and a network estimate that is the moving
 * average of the round trips observed so far (never configured). The on-device fallback runs the fastest variant
 * locally, its measured latency times the device's slowdown, in parallel with the request: the server's answer is
 * used when it arrives within the SLA, else the local one when that is ready by then (LayerCake's backup rule).
 * An answer counts as accurate only when it is right and on time.
 */
public final class BudgetSimulation {
  /** One variant as measured: per test sample, right or wrong and the server time (ms). */
  public record Measured(String name, boolean[] correct, double[] latencyMs) {
    double accuracy() {
      int n = 0;
      for (boolean c : correct) {
        n += c ? 1 : 0;
      }
      return n / (double) correct.length;
    }
  }

  /** A link: round trip mean and standard deviation (ms). */
  public record Link(String name, double meanMs, double sdMs) {}

  /** One policy at one SLA. */
  public record Row(String policy, String link, double slaMs, double accuracy, double slaAttainment, double meanMs) {}

  private static final int PROFILE_RUNS = 50;

  private final List<Measured> variants;
  private final double deviceSlowdown;
  private final int fastest;

  public BudgetSimulation(List<Measured> variants, double deviceSlowdown) {
    this.variants = List.copyOf(variants);
    this.deviceSlowdown = deviceSlowdown;
    int f = 0;
    for (int i = 1; i < variants.size(); i++) {
      if (mean(variants.get(i).latencyMs()) < mean(variants.get(f).latencyMs())) {
        f = i;
      }
    }
    this.fastest = f;
  }

  /** The fastest variant, run on the device for the fallback. */
  public String localVariant() {
    return variants.get(fastest).name();
  }

  /** The p99 of the local fallback's time (ms). */
  public double localP99Ms() {
    double[] l = variants.get(fastest).latencyMs().clone();
    java.util.Arrays.sort(l);
    return l[(int) Math.min(l.length - 1, Math.ceil(0.99 * l.length) - 1)] * deviceSlowdown;
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  private interface Policy {
    /** The variant for this request, given the budget stats and the network estimate. */
    int choose(List<TimeBudgetRule.VariantStats> stats, double slaMs, double networkMs);
  }

  /** Every policy at every SLA over the same request sequence. */
  public List<Row> run(Link link, double[] slasMs, int requests, long seed) {
    List<Row> rows = new ArrayList<>();
    for (double sla : slasMs) {
      for (int v = 0; v < variants.size(); v++) {
        int fixed = v;
        rows.add(play("static " + variants.get(v).name(), (s, b, n) -> fixed, false, link, sla, requests, seed));
      }
      rows.add(play("greedy by mean", (s, b, n) -> TimeBudgetRule.choose(s, b, n, 0).variant(), false, link, sla,
          requests, seed));
      rows.add(play("MDInference", (s, b, n) -> TimeBudgetRule.choose(s, b, n, TimeBudgetRule.GAMMA).variant(),
          false, link, sla, requests, seed));
      rows.add(play("MDInference + on-device fallback (" + localVariant() + ")",
          (s, b, n) -> TimeBudgetRule.choose(s, b, n, TimeBudgetRule.GAMMA).variant(), true, link, sla, requests,
          seed));
    }
    return rows;
  }

  private Row play(String name, Policy p, boolean fallback, Link link, double sla, int requests, long seed) {
    Random r = new Random(seed);
    List<LatencyStats> server = new ArrayList<>();
    for (Measured m : variants) {
      LatencyStats s = new LatencyStats(0.2);
      for (int i = 0; i < Math.min(PROFILE_RUNS, m.latencyMs().length); i++) {
        s.add(m.latencyMs()[i]);
      }
      server.add(s);
    }
    LatencyStats network = new LatencyStats(0.2);
    int onTime = 0;
    int accurate = 0;
    double totalMs = 0;
    int samples = variants.get(0).correct().length;
    for (int q = 0; q < requests; q++) {
      int sample = r.nextInt(samples);
      double rtt = Math.max(0, link.meanMs() + link.sdMs() * r.nextGaussian());
      int draw = r.nextInt(samples);
      double estimate = network.count() == 0 ? link.meanMs() : network.ema();
      List<TimeBudgetRule.VariantStats> stats = new ArrayList<>();
      for (int v = 0; v < variants.size(); v++) {
        stats.add(new TimeBudgetRule.VariantStats(variants.get(v).name(), variants.get(v).accuracy(),
            server.get(v).mean(), server.get(v).std()));
      }
      int v = p.choose(stats, sla, estimate);
      double serverMs = variants.get(v).latencyMs()[draw];
      double remoteMs = rtt + serverMs;
      network.add(rtt);
      server.get(v).add(serverMs);
      double answerMs = remoteMs;
      boolean correct = variants.get(v).correct()[sample];
      if (fallback && remoteMs > sla) {
        double localMs = variants.get(fastest).latencyMs()[draw] * deviceSlowdown;
        if (localMs <= sla) {
          answerMs = Math.max(localMs, Math.min(sla, remoteMs));  // held until the server's answer is overdue
          correct = variants.get(fastest).correct()[sample];
        }
      }
      totalMs += answerMs;
      if (answerMs <= sla) {
        onTime++;
        if (correct) {
          accurate++;
        }
      }
    }
    return new Row(name, link.name(), sla, accurate / (double) requests, onTime / (double) requests,
        totalMs / requests);
  }
}

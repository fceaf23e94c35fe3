package io.edgewise.serve.client;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.LatencyStats;
import io.edgewise.runtime.Session;
import io.edgewise.tensor.Tensor;
import java.util.Map;
import java.util.function.Function;

/**
 * The device's own answer for a budgeted request ({@link EdgewiseClient#infer(String, Map, double, LocalFallback,
 * BudgetedCall.Mode)}): a local variant (usually the group's fastest) and the statistics of its runs here, measured
 * by every run ({@link #profile} seeds them). Its expected time, mean + gamma standard deviations (gamma 2 by default,
 * about the 98th percentile of a normal spread), is what the backup rule compares with the remaining budget. It does
 * not own the session. Thread-safe.
 */
public final class LocalFallback {
  private final String name;
  private final Function<Map<String, Tensor>, Map<String, Tensor>> runner;
  private final double gamma;
  private final LatencyStats stats = new LatencyStats(0.2);

  /**
   * @param name what answers report as the variant
   * @param runner runs the variant on the inputs and returns outputs the caller closes
   * @param gamma standard deviations of headroom in {@link #expectedMs()}
   */
  public LocalFallback(String name, Function<Map<String, Tensor>, Map<String, Tensor>> runner, double gamma) {
    if (!(gamma >= 0)) {
      throw EdgewiseException.invalidArgument("LocalFallback: gamma must be >= 0, got " + gamma);
    }
    this.name = name;
    this.runner = runner;
    this.gamma = gamma;
  }

  /** A session's runs, gamma 2. */
  public static LocalFallback of(String name, Session session) {
    return new LocalFallback(name, session::run, 2);
  }

  public String name() {
    return name;
  }

  /** Runs the variant, timing the run into its statistics. */
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    long t0 = System.nanoTime();
    Map<String, Tensor> out = runner.apply(inputs);
    double ms = (System.nanoTime() - t0) / 1e6;
    synchronized (this) {
      stats.add(ms);
    }
    return out;
  }

  /** Runs it {@code runs} times on these inputs (after one untimed warm-up run) to seed the statistics. */
  public void profile(Map<String, Tensor> inputs, int runs) {
    runner.apply(inputs).values().forEach(Tensor::close);
    for (int i = 0; i < runs; i++) {
      run(inputs).values().forEach(Tensor::close);
    }
  }

  /** Mean + gamma std of the measured runs (ms); infinite before any run, so that BACKUP starts it at once. */
  public synchronized double expectedMs() {
    return stats.count() == 0 ? Double.POSITIVE_INFINITY : stats.mean() + gamma * stats.std();
  }

  public synchronized long runs() {
    return stats.count();
  }
}

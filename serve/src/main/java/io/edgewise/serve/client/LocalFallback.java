package io.edgewise.serve.client;

import io.edgewise.runtime.Session;
import io.edgewise.tensor.Tensor;
import java.util.Map;
import java.util.function.Function;

/**
 * The device's own answer for a budgeted request ({@link EdgewiseClient#infer(String, Map, double, LocalFallback,
 * BudgetedCall.Mode)}): a local variant (usually the group's fastest) and its run times here, measured by every run
 * ({@link #profile} seeds them). Its expected time, the p99 of its last 200 runs (their maximum while fewer than 100),
 * is what the backup rule compares with the remaining budget: a measured tail, not a mean plus a guessed spread, since
 * a run's time on a loaded device is far from normal. It does not own the session. Thread-safe.
 */
public final class LocalFallback {
  private final String name;
  private final Function<Map<String, Tensor>, Map<String, Tensor>> runner;
  private final RecentTimes times = new RecentTimes(200);

  /**
   * @param name what answers report as the variant
   * @param runner runs the variant on the inputs and returns outputs the caller closes
   */
  public LocalFallback(String name, Function<Map<String, Tensor>, Map<String, Tensor>> runner) {
    this.name = name;
    this.runner = runner;
  }

  /** A session's runs. */
  public static LocalFallback of(String name, Session session) {
    return new LocalFallback(name, session::run);
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
      times.add(ms);
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

  /** The p99 of the last runs (ms); infinite before any run, so that BACKUP starts it at once. */
  public synchronized double expectedMs() {
    return times.count() == 0 ? Double.POSITIVE_INFINITY : times.quantile(0.99);
  }

  public synchronized long runs() {
    return times.count();
  }
}

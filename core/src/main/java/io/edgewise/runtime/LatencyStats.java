package io.edgewise.runtime;

import io.edgewise.tensor.Tensor;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Map;

/**
 * Wall-clock latency of a session measured over repeated runs after warm-up. Every figure it yields is measured
 * (never modeled) and carries its run count and device. Beside it, the median CPU time of the calling thread
 * (NaN where the JVM cannot measure it): at one thread both the native core and ONNX Runtime compute on the calling
 * thread, so on a shared machine this stays comparable when other processes stretch the wall clock.
 */
public record LatencyStats(String device, int runs, double medianMs, double p90Ms, double minMs,
    double threadCpuMedianMs) {

  private static final long JIT_QUIET_NANOS = 500_000_000L;

  /**
   * Runs the session at least {@code minRuns} times and for at least {@code minSeconds}, then until the JVM's
   * compiler has been idle for 0.5 s (at most {@code maxSeconds} in all). The JVM compiles the session's Java side
   * (the graph walk, kernel dispatch) over the first seconds, and on 2 cores its compiler threads take a core from a
   * 2-thread session (mobilenet_v2 on cpu at 2 threads: ~4.5 ms a run for the first 1.7 s, 2.45 ms after).
   */
  public static void warmUp(Session session, Map<String, Tensor> inputs, int minRuns, double minSeconds,
      double maxSeconds) {
    long compiled = compilationMillis();
    boolean watchJit = compiled >= 0;
    long start = System.nanoTime();
    long minEnd = start + (long) (minSeconds * 1e9);
    long maxNanos = (long) (maxSeconds * 1e9);
    long quietSince = start;
    for (int i = 0; ; i++) {
      session.run(inputs).values().forEach(Tensor::close);
      long now = System.nanoTime();
      long compiledNow = compilationMillis();
      if (compiledNow != compiled) {
        compiled = compiledNow;
        quietSince = now;
      }
      boolean jitQuiet = !watchJit || now - quietSince >= JIT_QUIET_NANOS || now - start >= maxNanos;
      if (i + 1 >= minRuns && now >= minEnd && jitQuiet) {
        return;
      }
    }
  }

  /** Milliseconds the JVM's compiler has spent so far, or -1 where the JVM does not say. */
  public static long compilationMillis() {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
  }

  public static LatencyStats measure(Session session, Map<String, Tensor> inputs, int warmup, int runs) {
    if (runs < 1) {
      throw io.edgewise.EdgewiseException.invalidArgument("runs must be >= 1, got " + runs);
    }
    for (int i = 0; i < warmup; i++) {
      session.run(inputs).values().forEach(Tensor::close);
    }
    double[] ms = new double[runs];
    double[] cpu = new double[runs];
    timeRuns(session, inputs, ms, cpu, 0, runs);
    return of(session.deviceName(), ms, cpu);
  }

  /** Runs the session for samples [from, to): wall-clock and calling-thread CPU milliseconds (NaN if unknown). */
  static void timeRuns(Session session, Map<String, Tensor> inputs, double[] ms, double[] cpu, int from, int to) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    boolean cpuTime = mx.isCurrentThreadCpuTimeSupported();
    for (int i = from; i < to; i++) {
      long c0 = cpuTime ? mx.getCurrentThreadCpuTime() : 0;
      long t0 = System.nanoTime();
      Map<String, Tensor> out = session.run(inputs);
      ms[i] = (System.nanoTime() - t0) / 1e6;
      cpu[i] = cpuTime ? (mx.getCurrentThreadCpuTime() - c0) / 1e6 : Double.NaN;
      out.values().forEach(Tensor::close);
    }
  }

  /** The figures of measured runs: wall-clock and calling-thread CPU milliseconds per run (NaN where unknown). */
  public static LatencyStats of(String device, double[] wallMs, double[] threadCpuMs) {
    double[] ms = wallMs.clone();
    double[] cpu = threadCpuMs.clone();
    Arrays.sort(ms);
    Arrays.sort(cpu);
    return new LatencyStats(device, ms.length, percentile(ms, 50), percentile(ms, 90), ms[0], percentile(cpu, 50));
  }

  /** Nearest-rank percentile of sorted values. */
  static double percentile(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /** "measured on ort: median 1.23 ms, p90 1.40 ms over 20 runs". */
  public String describe() {
    return String.format("measured on %s: median %.3f ms, p90 %.3f ms over %d runs", device, medianMs, p90Ms, runs);
  }
}

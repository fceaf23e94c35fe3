package io.edgewise.runtime;

import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Several sessions measured in alternating blocks of runs, so that a change in the machine's load falls on all of
 * them alike: on a shared 2-core VM the host took a core away for seconds at a time, and measured one after the
 * other a session could run all its runs in a slow stretch (2-thread SqueezeNet on cpu: 1.67 ms median in one
 * stretch, 2.3 ms in the next) while the one compared with it ran in a fast one. Before each block the caller
 * sleeps {@link #QUIET_MILLIS}, so the threads of the session before it stop spinning (ONNX Runtime's intra-op pool
 * spins 20-30 ms of CPU after a run: without the pause, 2-thread SqueezeNet on cpu measured 3.8 ms instead of 1.7),
 * and the first runs of a block are not counted (they wake the pool and bring the session's data back into cache).
 *
 * <p>A block during which the JVM's compiler worked is measured again (up to {@link #MAX_REPEATS} times): methods
 * called a few times per run reach the compiler's last tier thousands of runs into a process, long after warm-up,
 * and on 2 cores such a compilation (20-330 ms each for Session.run, the executor's loop, the pooling kernel, seen
 * with JFR) takes a core from a 2-thread run. Which device's block it lands in is chance; one landing in ours moved
 * SqueezeNet's 2-thread ratio from 0.98 to 1.18.
 */
public final class InterleavedLatency {
  private InterleavedLatency() {}

  /** Runs per block and untimed runs before each block. */
  public static final int BLOCK = 10;
  public static final int SETTLE = 2;
  public static final long QUIET_MILLIS = 50;
  /** Compiler milliseconds in a block that make it count as disturbed, and how often one block is measured again. */
  public static final long COMPILE_MILLIS = 5;
  public static final int MAX_REPEATS = 3;

  /** The figures per session, and how many blocks were measured again because the compiler ran during them. */
  public record Measurement(List<LatencyStats> stats, int repeatedBlocks) {}

  /** {@code runs} timed runs of each session (inputs.get(i) feeds sessions.get(i)), in alternating blocks. */
  public static Measurement measure(List<Session> sessions, List<Map<String, Tensor>> inputs, int runs) {
    return measure(sessions, inputs, runs, LatencyStats::compilationMillis);
  }

  /** As above, with the compiler's accumulated milliseconds (or -1, unknown) read from {@code compiled}. */
  static Measurement measure(List<Session> sessions, List<Map<String, Tensor>> inputs, int runs,
      LongSupplier compiled) {
    if (runs < 1) {
      throw io.edgewise.EdgewiseException.invalidArgument("runs must be >= 1, got " + runs);
    }
    int n = sessions.size();
    double[][] ms = new double[n][runs];
    double[][] cpu = new double[n][runs];
    int repeated = 0;
    for (int done = 0; done < runs; done += BLOCK) {
      for (int i = 0; i < n; i++) {
        Session s = sessions.get(i);
        for (int attempt = 0; ; attempt++) {
          if (n > 1) {
            pause();
          }
          for (int k = 0; k < SETTLE; k++) {
            s.run(inputs.get(i)).values().forEach(Tensor::close);
          }
          long before = compiled.getAsLong();
          LatencyStats.timeRuns(s, inputs.get(i), ms[i], cpu[i], done, Math.min(runs, done + BLOCK));
          long after = compiled.getAsLong();
          boolean disturbed = before >= 0 && after - before >= COMPILE_MILLIS;
          if (!disturbed || attempt == MAX_REPEATS) {
            break;
          }
          repeated++;
        }
      }
    }
    List<LatencyStats> stats = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      stats.add(LatencyStats.of(sessions.get(i).deviceName(), ms[i], cpu[i]));
    }
    return new Measurement(stats, repeated);
  }

  private static void pause() {
    try {
      Thread.sleep(QUIET_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();  // keep the request; the measurement itself is short
    }
  }
}

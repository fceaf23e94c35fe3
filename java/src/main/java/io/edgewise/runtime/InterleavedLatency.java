package io.edgewise.runtime;

import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Several sessions measured in alternating blocks of runs, so that a change in the machine's load falls on all of
 * them alike: on a shared 2-core VM the host took a core away for seconds at a time, and measured one after the
 * other a session could run all its runs in a slow stretch (2-thread SqueezeNet on cpu: 1.67 ms median in one
 * stretch, 2.3 ms in the next) while the one compared with it ran in a fast one. Before each block the caller
 * sleeps {@link #QUIET_MILLIS}, so the threads of the session before it stop spinning (ONNX Runtime's intra-op pool
 * spins 20-30 ms of CPU after a run: without the pause, 2-thread SqueezeNet on cpu measured 3.8 ms instead of 1.7),
 * and the first runs of a block are not counted (they wake the pool and bring the session's data back into cache).
 */
public final class InterleavedLatency {
  private InterleavedLatency() {}

  /** Runs per block and untimed runs before each block. */
  public static final int BLOCK = 10;
  public static final int SETTLE = 2;
  public static final long QUIET_MILLIS = 50;

  /** {@code runs} timed runs of each session (inputs.get(i) feeds sessions.get(i)), in alternating blocks. */
  public static List<LatencyStats> measure(List<Session> sessions, List<Map<String, Tensor>> inputs, int runs) {
    if (runs < 1) {
      throw io.edgewise.EdgewiseException.invalidArgument("runs must be >= 1, got " + runs);
    }
    int n = sessions.size();
    double[][] ms = new double[n][runs];
    double[][] cpu = new double[n][runs];
    for (int done = 0; done < runs; done += BLOCK) {
      for (int i = 0; i < n; i++) {
        Session s = sessions.get(i);
        if (n > 1) {
          pause();
        }
        for (int k = 0; k < SETTLE; k++) {
          s.run(inputs.get(i)).values().forEach(Tensor::close);
        }
        LatencyStats.timeRuns(s, inputs.get(i), ms[i], cpu[i], done, Math.min(runs, done + BLOCK));
      }
    }
    List<LatencyStats> stats = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      stats.add(LatencyStats.of(sessions.get(i).deviceName(), ms[i], cpu[i]));
    }
    return stats;
  }

  private static void pause() {
    try {
      Thread.sleep(QUIET_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();  // keep the request; the measurement itself is short
    }
  }
}

package io.edgewise.bench.dystri;

import io.edgewise.adapt.dystri.Level;
import io.edgewise.adapt.dystri.LevelLadder;
import io.edgewise.serve.dystri.LevelExecutor;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A node whose levels take a fixed MODELED service time each: a request runs for real at its level (its answer is
 * the model's own), then its worker is held until the level's modeled time since the run started has passed. The
 * times are fixed once per bench (the levels' measured costs times the node slowdown), so every policy in every run
 * is served by the same node: a stall of the shared machine shorter than the modeled time is absorbed instead of
 * being multiplied by the slowdown ({@link SlowedLevels}, the measured mode, holds the worker (F - 1) times each
 * run, stalls included). A run that takes longer than its modeled time is not cut short; {@link #overruns} counts
 * them, so the output can say how often the machine, not the model, set a request's service time. Owns the wrapped
 * executor.
 */
final class ModeledLevels implements LevelExecutor {
  private final LevelExecutor inner;
  private final long[] serviceNanos;
  private final LevelLadder ladder;
  private final AtomicLong overruns = new AtomicLong();

  /**
   * @param serviceMs each level's modeled service time (ms), cheapest level first; the ladder's costs become these
   */
  ModeledLevels(LevelExecutor inner, double[] serviceMs) {
    List<Level> levels = inner.ladder().levels();
    if (serviceMs.length != levels.size()) {
      throw io.edgewise.EdgewiseException.invalidArgument("modeled levels: " + serviceMs.length + " service times "
          + "for " + levels.size() + " levels");
    }
    this.inner = inner;
    this.serviceNanos = new long[serviceMs.length];
    List<Level> modeled = new ArrayList<>();
    for (int i = 0; i < serviceMs.length; i++) {
      if (!(serviceMs[i] > 0)) {
        throw io.edgewise.EdgewiseException.invalidArgument("modeled levels: service time of level " + i
            + " must be positive, got " + serviceMs[i]);
      }
      serviceNanos[i] = (long) (serviceMs[i] * 1e6);
      modeled.add(new Level(levels.get(i).name(), levels.get(i).accuracy(), serviceMs[i]));
    }
    this.ladder = new LevelLadder(modeled);
  }

  @Override
  public LevelLadder ladder() {
    return ladder;
  }

  @Override
  public Map<String, Tensor> run(int level, Map<String, Tensor> inputs) {
    long until = System.nanoTime() + serviceNanos[level];
    Map<String, Tensor> out = inner.run(level, inputs);
    long left = until - System.nanoTime();
    if (left <= 0) {
      overruns.incrementAndGet();
    }
    while (left > 0 && !Thread.currentThread().isInterrupted()) {
      LockSupport.parkNanos(left);
      left = until - System.nanoTime();
    }
    return out;
  }

  /** Runs that took longer than their level's modeled time (the machine stalled them). */
  long overruns() {
    return overruns.get();
  }

  @Override
  public void close() {
    inner.close();
  }
}

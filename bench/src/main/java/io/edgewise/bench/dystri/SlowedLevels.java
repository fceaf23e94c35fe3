package io.edgewise.bench.dystri;

import io.edgewise.adapt.dystri.Level;
import io.edgewise.adapt.dystri.LevelLadder;
import io.edgewise.serve.dystri.LevelExecutor;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A node {@code factor} times slower than this machine (modeled, as split-bench models a loaded peer): each request
 * runs for real at its level, then the worker is held for (factor - 1) times the measured run before answering. On a
 * 2-core VM shared by other work, the digits variants cost 0.3 to 1.5 ms against a per-request overhead of the same
 * order (codec, loopback, threads), so without it the experiment measures the machine's scheduling, not the levels; an
 * edge node's CPU running the same variants is several times slower than a server core. The ladder's costs are scaled
 * alike. Owns the wrapped executor.
 */
final class SlowedLevels implements LevelExecutor {
  private final LevelExecutor inner;
  private final double factor;
  private final LevelLadder ladder;

  SlowedLevels(LevelExecutor inner, double factor) {
    this.inner = inner;
    this.factor = factor;
    List<Level> scaled = new ArrayList<>();
    for (Level l : inner.ladder().levels()) {
      scaled.add(new Level(l.name(), l.accuracy(), l.costMs() * factor));
    }
    this.ladder = new LevelLadder(scaled);
  }

  @Override
  public LevelLadder ladder() {
    return ladder;
  }

  @Override
  public Map<String, Tensor> run(int level, Map<String, Tensor> inputs) {
    long t0 = System.nanoTime();
    Map<String, Tensor> out = inner.run(level, inputs);
    long hold = (long) ((factor - 1) * (System.nanoTime() - t0));
    if (hold > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(hold);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return out;
  }

  @Override
  public void close() {
    inner.close();
  }
}

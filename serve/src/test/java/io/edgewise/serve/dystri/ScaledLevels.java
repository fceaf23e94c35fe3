package io.edgewise.serve.dystri;

import io.edgewise.adapt.dystri.Level;
import io.edgewise.adapt.dystri.LevelLadder;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A node's levels for tests, with an oracle: level k answers y = x * (k + 1), after sleeping its cost; a run can be
 * held at a gate, and the inputs' first values are recorded in the order they ran.
 */
final class ScaledLevels implements LevelExecutor {
  private final LevelLadder ladder;
  final List<Float> ran = Collections.synchronizedList(new ArrayList<>());
  volatile CountDownLatch gate;
  volatile CountDownLatch entered = new CountDownLatch(1);
  volatile boolean closed;

  /** costs and accuracies, cheapest first. */
  ScaledLevels(double[] costMs, double[] accuracy) {
    List<Level> levels = new ArrayList<>();
    for (int i = 0; i < costMs.length; i++) {
      levels.add(new Level("L" + i, accuracy[i], costMs[i]));
    }
    this.ladder = new LevelLadder(levels);
  }

  static Tensor x(float v) {
    return Tensor.ofFloats(io.edgewise.tensor.Shape.of(1, 2), v, 2 * v);
  }

  @Override
  public LevelLadder ladder() {
    return ladder;
  }

  @Override
  public Map<String, Tensor> run(int level, Map<String, Tensor> inputs) {
    entered.countDown();
    CountDownLatch g = gate;
    try {
      if (g != null) {
        g.await(30, TimeUnit.SECONDS);
      }
      long nanos = (long) (ladder.get(level).costMs() * 1e6);
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    float[] x = inputs.get("x").toFloatArray();
    ran.add(x[0]);
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i] * (level + 1);
    }
    return Map.of("y", Tensor.ofFloats(io.edgewise.tensor.Shape.of(1, x.length), y));
  }

  @Override
  public void close() {
    closed = true;
  }
}

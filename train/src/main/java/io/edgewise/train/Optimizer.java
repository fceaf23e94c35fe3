package io.edgewise.train;

import java.util.Map;

/**
 * Updates parameters in place from their gradients. The state (moments, step count) is exposed as named float
 * arrays so that checkpoints can save and restore it exactly.
 */
public interface Optimizer {
  void step(Map<String, HeapTensor> parameters, Map<String, HeapTensor> gradients, double learningRate);

  /** The optimizer's state by name (live arrays; restoring writes into them or adds them). */
  Map<String, float[]> state();

  long steps();

  void restore(Map<String, float[]> state, long steps);
}

package io.edgewise.serve.dystri;

import io.edgewise.adapt.dystri.LevelLadder;
import io.edgewise.tensor.Tensor;
import java.util.Map;

/** Runs a request at one level of its ladder: what a node serves. Owns its models: close() releases them. */
public interface LevelExecutor extends AutoCloseable {
  /** The levels, cheapest first, with their measured accuracy and cost. */
  LevelLadder ladder();

  /**
   * Serves {@code inputs} (the caller's) at {@code level}; the caller owns the outputs. Thread-safe. Bad inputs are an
   * INVALID_ARGUMENT EdgewiseException naming what is wrong.
   */
  Map<String, Tensor> run(int level, Map<String, Tensor> inputs);

  @Override
  void close();
}

package io.edgewise.adapt.dystri;

import io.edgewise.EdgewiseException;

/**
 * One way of serving a request: a model variant, a detector resolution, a cap on recognised lines.
 *
 * @param name what it is (a variant's name, "det640-lines8")
 * @param accuracy its accuracy measured on evaluation data, in [0, 1] (top-1 for a classifier, 1 - CER for OCR)
 * @param costMs its latency measured on the node that serves it (batch 1), the prior {@link LevelCosts} starts from
 */
public record Level(String name, double accuracy, double costMs) {
  public Level {
    if (name == null || name.isBlank()) {
      throw EdgewiseException.invalidArgument("a level needs a name");
    }
    if (!(accuracy >= 0 && accuracy <= 1)) {
      throw EdgewiseException.invalidArgument("level " + name + ": accuracy must be in [0, 1], got " + accuracy);
    }
    if (!(costMs > 0) || Double.isInfinite(costMs)) {
      throw EdgewiseException.invalidArgument("level " + name + ": cost must be a positive number of ms, got "
          + costMs);
    }
  }
}

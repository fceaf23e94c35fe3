package io.edgewise.train;

import io.edgewise.EdgewiseException;

/** The learning rate of each epoch (0-based). */
public interface LearningRateSchedule {
  double at(int epoch);

  static LearningRateSchedule constant(double lr) {
    return epoch -> lr;
  }

  /** lr * gamma^(epoch / stepSize): multiplied by gamma every stepSize epochs. */
  static LearningRateSchedule step(double lr, int stepSize, double gamma) {
    if (stepSize <= 0) {
      throw EdgewiseException.invalidArgument("step schedule needs step size > 0, got " + stepSize);
    }
    return epoch -> lr * Math.pow(gamma, epoch / stepSize);
  }

  /** Cosine annealing from lr at epoch 0 towards minLr at epoch `epochs` (PyTorch's CosineAnnealingLR). */
  static LearningRateSchedule cosine(double lr, int epochs, double minLr) {
    if (epochs <= 0) {
      throw EdgewiseException.invalidArgument("cosine schedule needs epochs > 0, got " + epochs);
    }
    return epoch -> minLr + (lr - minLr) * (1 + Math.cos(Math.PI * epoch / epochs)) / 2;
  }

  /** "constant", "step:SIZE:GAMMA" or "cosine" (to 0 over the run), for the command line. */
  static LearningRateSchedule parse(String spec, double lr, int epochs) {
    String s = spec == null ? "constant" : spec.trim();
    if (s.equals("constant")) {
      return constant(lr);
    }
    if (s.equals("cosine")) {
      return cosine(lr, epochs, 0);
    }
    String[] parts = s.split(":");
    if (parts[0].equals("step") && parts.length == 3) {
      try {
        return step(lr, Integer.parseInt(parts[1]), Double.parseDouble(parts[2]));
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
    }
    throw EdgewiseException.invalidArgument("learning-rate schedule '" + spec + "' is not constant, cosine or "
        + "step:SIZE:GAMMA");
  }
}

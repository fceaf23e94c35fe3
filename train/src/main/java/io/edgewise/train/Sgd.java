package io.edgewise.train;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Stochastic gradient descent with PyTorch's semantics: g = grad + weightDecay * p; with momentum, v = momentum * v
 * + g (v = g on the first step), and the update uses v, or g + momentum * v when Nesterov; p -= lr * update.
 */
public final class Sgd implements Optimizer {
  private final double momentum;
  private final boolean nesterov;
  private final double weightDecay;
  private final Map<String, float[]> velocity = new HashMap<>();
  private long steps;

  public Sgd(double momentum, boolean nesterov, double weightDecay) {
    if (momentum < 0 || weightDecay < 0 || nesterov && momentum == 0) {
      throw io.edgewise.EdgewiseException.invalidArgument("SGD needs momentum >= 0, weight decay >= 0, and momentum "
          + "> 0 for Nesterov (got momentum " + momentum + ", weight decay " + weightDecay + ")");
    }
    this.momentum = momentum;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
  }

  @Override
  public void step(Map<String, HeapTensor> parameters, Map<String, HeapTensor> gradients, double lr) {
    for (String name : new TreeMap<>(gradients).keySet()) {
      float[] p = parameters.get(name).data();
      float[] g = gradients.get(name).data();
      float[] v = momentum > 0 ? velocity.get(name) : null;
      boolean first = momentum > 0 && v == null;
      if (first) {
        v = new float[p.length];
        velocity.put(name, v);
      }
      for (int i = 0; i < p.length; i++) {
        double d = g[i] + weightDecay * p[i];
        if (momentum > 0) {
          v[i] = (float) (first ? d : momentum * v[i] + d);
          d = nesterov ? d + momentum * v[i] : v[i];
        }
        p[i] = (float) (p[i] - lr * d);
      }
    }
    steps++;
  }

  @Override
  public Map<String, float[]> state() {
    Map<String, float[]> s = new TreeMap<>();
    velocity.forEach((k, v) -> s.put("velocity/" + k, v));
    return s;
  }

  @Override
  public long steps() {
    return steps;
  }

  @Override
  public void restore(Map<String, float[]> state, long steps) {
    velocity.clear();
    state.forEach((k, v) -> {
      if (k.startsWith("velocity/")) {
        velocity.put(k.substring("velocity/".length()), v.clone());
      }
    });
    this.steps = steps;
  }
}

package io.edgewise.train;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adam (Kingma and Ba) with PyTorch's semantics: g = grad + weightDecay * p (L2, not decoupled), m and v the first
 * and second moment estimates with bias correction, p -= lr * m_hat / (sqrt(v_hat) + eps).
 */
public final class Adam implements Optimizer {
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final Map<String, float[]> m = new HashMap<>();
  private final Map<String, float[]> v = new HashMap<>();
  private long steps;

  public Adam(double beta1, double beta2, double eps, double weightDecay) {
    if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || eps <= 0 || weightDecay < 0) {
      throw io.edgewise.EdgewiseException.invalidArgument("Adam needs 0 <= beta1, beta2 < 1, eps > 0 and weight decay "
          + ">= 0");
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  public Adam() {
    this(0.9, 0.999, 1e-8, 0);
  }

  @Override
  public void step(Map<String, HeapTensor> parameters, Map<String, HeapTensor> gradients, double lr) {
    steps++;
    double c1 = 1 - Math.pow(beta1, steps);
    double c2 = 1 - Math.pow(beta2, steps);
    for (String name : new TreeMap<>(gradients).keySet()) {
      float[] p = parameters.get(name).data();
      float[] g = gradients.get(name).data();
      float[] m1 = m.computeIfAbsent(name, k -> new float[p.length]);
      float[] m2 = v.computeIfAbsent(name, k -> new float[p.length]);
      for (int i = 0; i < p.length; i++) {
        double d = g[i] + weightDecay * p[i];
        m1[i] = (float) (beta1 * m1[i] + (1 - beta1) * d);
        m2[i] = (float) (beta2 * m2[i] + (1 - beta2) * d * d);
        p[i] = (float) (p[i] - lr * (m1[i] / c1) / (Math.sqrt(m2[i] / c2) + eps));
      }
    }
  }

  @Override
  public Map<String, float[]> state() {
    Map<String, float[]> s = new TreeMap<>();
    m.forEach((k, a) -> s.put("m/" + k, a));
    v.forEach((k, a) -> s.put("v/" + k, a));
    return s;
  }

  @Override
  public long steps() {
    return steps;
  }

  @Override
  public void restore(Map<String, float[]> state, long steps) {
    m.clear();
    v.clear();
    state.forEach((k, a) -> {
      if (k.startsWith("m/")) {
        m.put(k.substring(2), a.clone());
      } else if (k.startsWith("v/")) {
        v.put(k.substring(2), a.clone());
      }
    });
    this.steps = steps;
  }
}

package io.edgewise.zoo.eval;

import io.edgewise.zoo.ConfigNode;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The metrics on the class path, by name. */
public final class Evaluators {
  private Evaluators() {}

  public static Map<String, EvaluatorProvider> all() {
    Map<String, EvaluatorProvider> out = new TreeMap<>();
    for (EvaluatorProvider p : ServiceLoader.load(EvaluatorProvider.class)) {
      out.putIfAbsent(p.metric(), p);
    }
    return out;
  }

  /** The provider of {@code metric}; an error naming the field and the metrics there are when none. */
  public static EvaluatorProvider provider(String metric, ConfigNode field) {
    Map<String, EvaluatorProvider> all = all();
    EvaluatorProvider p = all.get(metric);
    if (p == null) {
      throw field.error("no evaluator for metric '" + metric + "' (available: " + String.join(", ", all.keySet())
          + (metric.startsWith("ocr") ? "; ocr-cer comes with the edgewise-apps module" : "") + ")");
    }
    return p;
  }
}

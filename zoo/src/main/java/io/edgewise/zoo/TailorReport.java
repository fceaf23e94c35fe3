package io.edgewise.zoo;

import java.util.List;
import java.util.Map;

/**
 * What a tailoring run produced.
 *
 * @param variants every variant of every base model, the float base included (name "float")
 * @param mergedSeconds wall time of the merged run (measured; the mean over the rounds)
 * @param separateSeconds wall time of the same requests run one by one (measured; the mean over the rounds), or -1
 *     when not run
 * @param mergedCpuSeconds CPU time of the process during the merged run (all threads; steadier than wall time on a
 *     loaded machine)
 * @param separateCpuSeconds the same for the separate run, or -1
 * @param shared the steps the merged run ran once for several requests, one line each
 * @param skipped transforms not applied, with their reasons, one line each
 * @param mergedSteps how many times each step ran in the merged run ("calibration": 1, "fine_tuning_epochs": 6; a
 *     reused result counts nothing)
 * @param separateSteps the same, summed over the requests run one by one (empty when not run)
 * @param mergedStepSeconds wall seconds the merged run spent in each step (measured; the mean over the rounds)
 * @param separateStepSeconds the same, summed over the requests run one by one (empty when not run)
 * @param rounds each round's two wall times, in the order they ran
 */
public record TailorReport(List<Variant> variants, double mergedSeconds, double separateSeconds,
    double mergedCpuSeconds, double separateCpuSeconds, List<String> shared, List<String> skipped,
    Map<String, Integer> mergedSteps, Map<String, Integer> separateSteps, Map<String, Double> mergedStepSeconds,
    Map<String, Double> separateStepSeconds, List<Round> rounds) {

  /**
   * One round of the timing: the merged run's and the one-by-one run's wall seconds (measured; -1 when not run), and
   * which ran first.
   */
  public record Round(double mergedSeconds, double separateSeconds, boolean mergedFirst) {}

  /**
   * One variant.
   *
   * @param name the request's name ("float" for the base)
   * @param base the base model's name
   * @param transforms the transforms applied, in order
   * @param accuracy higher is better ({@link io.edgewise.zoo.eval.Evaluation#accuracy})
   * @param metricValue the metric as quoted (top-1, or the character error rate)
   * @param latencyMs median per target key ("cpu/1")
   * @param p90Ms 90th percentile per target key
   * @param kinds "measured" or "modeled" per target key
   * @param skipped why the variant was not produced (then no figures), or null
   * @param separateAccuracy the accuracy the same request reached run alone (it differs from {@code accuracy} where
   *     the merged run warm-started its fine-tuning from a lower ratio), or NaN when not run
   */
  public record Variant(String name, String base, List<String> transforms, double accuracy, String metric,
      double metricValue, long bytes, Map<String, Double> latencyMs, Map<String, Double> p90Ms,
      Map<String, String> kinds, String file, String sha256, String skipped, double separateAccuracy) {

    public Variant withSeparateAccuracy(double a) {
      return new Variant(name, base, transforms, accuracy, metric, metricValue, bytes, latencyMs, p90Ms, kinds, file,
          sha256, skipped, a);
    }
  }
}

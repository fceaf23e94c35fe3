package io.edgewise.adapt;

import io.edgewise.EdgewiseException;
import java.util.ArrayList;
import java.util.List;

/**
 * QoE-driven choice of a model variant per request (model selection for edge inference, CogMI 2019): the variants of
 * one model group are the arms, the requesting device and its user are the context, the user's QoE ({@link Qoe}) is
 * the reward, and a {@link LinearBandit} learns which variant serves which context best. Usage:
 *
 * <pre>
 *   Choice c = selector.choose(device, toleranceMs);   // run variants().get(c.variant()) on the device
 *   selector.feedback(c, qoe);                          // the user's QoE of that answer, when it arrives
 * </pre>
 *
 * The features of variant v for a device and user join the variant's own features with the device's: its measured
 * accuracy, and its latency estimated for this device relative to the user's tolerance,
 * r = baseLatencyMs / speedFactor / toleranceMs, expanded in a hinge basis max(0, r - k) over fixed knots k, so that
 * the model is linear in features but can learn the kinked latency penalty (see docs/selection.md):
 *
 * <pre>
 *   x = [1, accuracy, min(r, R), max(0, r - k1), ..., max(0, r - kn)]
 * </pre>
 *
 * The parameters are shared by all variants, so what is learned about one variant's latency carries over to the
 * others and to variants of similar cost. Variants whose weights do not fit in the device's memory are not offered.
 * The device's link is not a feature: the variant runs on the device, so its latency does not depend on the link.
 */
public final class ModelSelector {
  /** Hinge knots of r (latency over tolerance). */
  static final double[] KNOTS = {0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.6, 2.0, 3.0};
  /** Cap of the linear r term (the hinges carry the slope beyond it). */
  static final double R_CAP = 1.0;

  /**
   * One variant of the group, as profiled on the reference machine.
   *
   * @param flops floating-point operations of one inference
   * @param bytes size of its weights
   * @param accuracy measured accuracy on the group's evaluation data
   * @param baseLatencyMs measured median latency on the reference machine
   */
  public record Variant(String name, double flops, long bytes, double accuracy, double baseLatencyMs) {
    public Variant {
      if (!(accuracy >= 0 && accuracy <= 1) || !(baseLatencyMs > 0) || bytes < 0) {
        throw EdgewiseException.invalidArgument("variant " + name + ": need 0 <= accuracy <= 1, latency > 0, bytes >= "
            + "0; got " + accuracy + ", " + baseLatencyMs + " ms, " + bytes);
      }
    }
  }

  /**
   * A requesting device.
   *
   * @param speedFactor its speed relative to the reference machine (measured peak GFLOP/s over the reference's, or a
   *     stated speed class): a variant's latency there is estimated as baseLatencyMs / speedFactor
   * @param memoryBytes memory available for a model's weights
   * @param threads threads it runs inference with (reported; already part of the speed factor)
   */
  public record Device(double speedFactor, long memoryBytes, int threads) {
    public Device {
      if (!(speedFactor > 0) || memoryBytes < 0 || threads < 1) {
        throw EdgewiseException.invalidArgument("device: need speed factor > 0, memory >= 0, threads >= 1; got "
            + speedFactor + ", " + memoryBytes + ", " + threads);
      }
    }
  }

  /** The selector's answer: the variant to run and the features to hand back with its feedback. */
  public record Choice(int variant, double estimatedLatencyMs, double[] features) {}

  private final List<Variant> variants;
  private final LinearBandit bandit;

  public ModelSelector(List<Variant> variants, LinearBandit bandit) {
    if (variants.isEmpty()) {
      throw EdgewiseException.invalidArgument("ModelSelector: a group with no variant");
    }
    if (bandit.dimension() != dimension()) {
      throw EdgewiseException.invalidArgument("ModelSelector: the bandit has dimension " + bandit.dimension()
          + ", the features " + dimension());
    }
    this.variants = List.copyOf(variants);
    this.bandit = bandit;
  }

  /** Length of the feature vectors. */
  public static int dimension() {
    return 3 + KNOTS.length;
  }

  public List<Variant> variants() {
    return variants;
  }

  /** The estimated latency of variant v on the device (ms). */
  public double estimatedLatencyMs(Device device, int v) {
    return variants.get(v).baseLatencyMs() / device.speedFactor();
  }

  /** The features of variant v for this device and a user of this tolerance. */
  public double[] features(Device device, double toleranceMs, int v) {
    if (!(toleranceMs > 0)) {
      throw EdgewiseException.invalidArgument("ModelSelector: latency tolerance must be > 0 ms, got " + toleranceMs);
    }
    double r = estimatedLatencyMs(device, v) / toleranceMs;
    double[] x = new double[dimension()];
    x[0] = 1;
    x[1] = variants.get(v).accuracy();
    x[2] = Math.min(r, R_CAP);
    for (int k = 0; k < KNOTS.length; k++) {
      x[3 + k] = Math.max(0, r - KNOTS[k]);
    }
    return x;
  }

  /** The variants whose weights fit in the device's memory. */
  public List<Integer> feasible(Device device) {
    List<Integer> out = new ArrayList<>();
    for (int v = 0; v < variants.size(); v++) {
      if (variants.get(v).bytes() <= device.memoryBytes()) {
        out.add(v);
      }
    }
    return out;
  }

  /** Picks the variant for one request of this device and user. */
  public Choice choose(Device device, double toleranceMs) {
    List<Integer> ok = feasible(device);
    if (ok.isEmpty()) {
      throw EdgewiseException.invalidArgument("ModelSelector: no variant fits in the device's " + device.memoryBytes()
          + " bytes");
    }
    double[][] arms = new double[ok.size()][];
    for (int i = 0; i < ok.size(); i++) {
      arms[i] = features(device, toleranceMs, ok.get(i));
    }
    int v = ok.get(bandit.choose(arms));
    return new Choice(v, estimatedLatencyMs(device, v), features(device, toleranceMs, v));
  }

  /** The user's QoE of the answer the choice produced. */
  public void feedback(Choice choice, double qoe) {
    bandit.observe(choice.features(), qoe);
  }
}

package io.edgewise.bench.select;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.LinearBandit;
import io.edgewise.adapt.ModelSelector;
import io.edgewise.adapt.Qoe;
import io.edgewise.adapt.RegretTracker;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The model-selection experiment: a SIMULATED population of devices runs the group's variants, whose base latencies
 * were MEASURED on this machine; a device's latency for a variant is that base latency over the device's true speed
 * factor, times per-request noise. Every round one device (uniformly at random) sends one request of its user, the
 * policy picks a variant among those that fit in the device's memory, and the user's QoE is fed back.
 *
 * <p>Device classes (stated speed factor, memory, threads) are set relative to the base model's measured latency, so
 * that the experiment means the same on any machine: the base model takes {@link DeviceClass#baseMs} on a device of the
 * class. A device's true speed differs from its class's stated one by a lognormal factor (sd 0.3 in log), unknown to
 * the policies, which see the stated speed only. Users tolerate 5, 15 or 40 ms. Each request's latency varies
 * lognormally (sd 0.1 in log); the feedback is 1 or 0 (correct with the variant's measured accuracy) less the latency
 * penalty ({@link Qoe}). Regret is measured on expected QoE (noise integrated), against the oracle that knows every
 * device's true speed.
 */
public final class SelectSimulation {
  /** A class of devices: its name, the base model's latency on it (ms), memory for weights (bytes), threads. */
  public record DeviceClass(String name, double baseMs, long memoryBytes, int threads) {}

  static final List<DeviceClass> CLASSES = List.of(
      new DeviceClass("edge-server", 1, 64L << 20, 8),
      new DeviceClass("phone", 6, 8L << 20, 4),
      new DeviceClass("wearable", 24, 32L << 10, 2),
      new DeviceClass("microcontroller", 80, 24L << 10, 1));
  static final double[] TOLERANCES_MS = {5, 15, 40};
  static final double SPEED_SD = 0.3;
  static final double REQUEST_SD = 0.1;
  /** Error of a device's measured speed (log sd): what it reports as its speed factor. */
  static final double MEASURE_SD = 0.05;
  /** Quantiles of the standard normal at which the request noise is integrated. */
  private static final double[] Z = new double[31];

  static {
    for (int i = 0; i < Z.length; i++) {
      Z[i] = inverseNormal((i + 0.5) / Z.length);
    }
  }

  /** One simulated device with its user. */
  record SimDevice(int cls, ModelSelector.Device stated, double trueSpeed, double toleranceMs) {}

  /** The result of one policy. */
  public record PolicyRun(String policy, RegretTracker regret) {}

  private final List<ModelSelector.Variant> variants;
  private final Qoe qoe;
  private final List<SimDevice> devices = new ArrayList<>();
  private final double[][] expected;  // [device][variant], NEGATIVE_INFINITY where it does not fit

  /** @param variants the group, base model first (the classes are scaled to its latency) */
  public SelectSimulation(List<ModelSelector.Variant> variants, int deviceCount, double penalty, long seed) {
    if (deviceCount < CLASSES.size()) {
      throw EdgewiseException.invalidArgument("select-bench: need at least " + CLASSES.size() + " devices");
    }
    this.variants = List.copyOf(variants);
    this.qoe = new Qoe(penalty);
    Random r = new Random(seed);
    double baseMs = variants.get(0).baseLatencyMs();
    for (int i = 0; i < deviceCount; i++) {
      int c = i % CLASSES.size();
      DeviceClass dc = CLASSES.get(c);
      double stated = baseMs / dc.baseMs();
      double speed = stated * Math.exp(SPEED_SD * r.nextGaussian());
      double measured = speed * Math.exp(MEASURE_SD * r.nextGaussian());
      devices.add(new SimDevice(c, new ModelSelector.Device(measured, dc.memoryBytes(), dc.threads()), speed,
          TOLERANCES_MS[r.nextInt(TOLERANCES_MS.length)]));
    }
    expected = new double[deviceCount][variants.size()];
    for (int d = 0; d < deviceCount; d++) {
      for (int v = 0; v < variants.size(); v++) {
        expected[d][v] = fits(d, v) ? expectedQoe(d, v) : Double.NEGATIVE_INFINITY;
      }
    }
    for (int d = 0; d < deviceCount; d++) {
      if (oracle(d) < 0) {
        throw EdgewiseException.invalidArgument("select-bench: no variant of the group fits in a "
            + CLASSES.get(devices.get(d).cls()).name() + "'s " + devices.get(d).stated().memoryBytes() + " bytes");
      }
    }
  }

  private boolean fits(int d, int v) {
    return variants.get(v).bytes() <= devices.get(d).stated().memoryBytes();
  }

  private double trueLatencyMs(int d, int v) {
    return variants.get(v).baseLatencyMs() / devices.get(d).trueSpeed();
  }

  private double expectedQoe(int d, int v) {
    double s = 0;
    for (double z : Z) {
      s += qoe.of(variants.get(v).accuracy(), trueLatencyMs(d, v) * Math.exp(REQUEST_SD * z),
          devices.get(d).toleranceMs());
    }
    return s / Z.length;
  }

  private int oracle(int d) {
    int best = -1;
    for (int v = 0; v < variants.size(); v++) {
      if (expected[d][v] > Double.NEGATIVE_INFINITY && (best < 0 || expected[d][v] > expected[d][best])) {
        best = v;
      }
    }
    return best;
  }

  /** The variant with the best mean expected QoE over the given devices, among those that fit all of them. */
  private int bestFixed(List<Integer> ds) {
    int best = -1;
    double bestMean = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < variants.size(); v++) {
      double sum = 0;
      for (int d : ds) {
        sum += expected[d][v];
      }
      if (sum > bestMean) {
        bestMean = sum;
        best = v;
      }
    }
    if (best < 0) {
      throw EdgewiseException.invalidArgument("select-bench: no variant fits every device of a group of devices");
    }
    return best;
  }

  /** A policy: picks a variant for a device, learns from feedback. */
  private interface Policy {
    int choose(int d);

    default void feedback(int d, int v, double reward) {}
  }

  /** Runs every policy on the same sequence of devices and noise. */
  public List<PolicyRun> run(int rounds, long seed, double alpha, double thompsonV, double epsilon) {
    List<Integer> all = new ArrayList<>();
    for (int d = 0; d < devices.size(); d++) {
      all.add(d);
    }
    int common = bestFixed(all);
    int[] perClass = new int[CLASSES.size()];
    for (int c = 0; c < perClass.length; c++) {
      List<Integer> ds = new ArrayList<>();
      for (int d = 0; d < devices.size(); d++) {
        if (devices.get(d).cls() == c) {
          ds.add(d);
        }
      }
      perClass[c] = bestFixed(ds);
    }
    List<PolicyRun> out = new ArrayList<>();
    out.add(play("one common model (" + variants.get(common).name() + ")", d -> common, rounds, seed));
    out.add(play("per-device-class best fixed", d -> perClass[devices.get(d).cls()], rounds, seed));
    int dim = ModelSelector.dimension();
    out.add(play("epsilon-greedy (" + epsilon + ")", bandit(LinearBandit.epsilonGreedy(dim, epsilon, seed + 1)),
        rounds, seed));
    out.add(play("LinUCB (alpha " + alpha + ")", bandit(LinearBandit.linUcb(dim, alpha)), rounds, seed));
    out.add(play("Thompson (v " + thompsonV + ")", bandit(LinearBandit.thompson(dim, thompsonV, seed + 2)), rounds,
        seed));
    out.add(play("oracle", this::oracle, rounds, seed));
    return out;
  }

  private Policy bandit(LinearBandit b) {
    ModelSelector s = new ModelSelector(variants, b);
    ModelSelector.Choice[] pending = new ModelSelector.Choice[1];
    return new Policy() {
      @Override
      public int choose(int d) {
        pending[0] = s.choose(devices.get(d).stated(), devices.get(d).toleranceMs());
        return pending[0].variant();
      }

      @Override
      public void feedback(int d, int v, double reward) {
        s.feedback(pending[0], reward);
      }
    };
  }

  private PolicyRun play(String name, Policy p, int rounds, long seed) {
    Random r = new Random(seed);
    RegretTracker t = new RegretTracker();
    for (int i = 0; i < rounds; i++) {
      int d = r.nextInt(devices.size());
      double z = r.nextGaussian();
      double u = r.nextDouble();
      int v = p.choose(d);
      if (!fits(d, v)) {
        throw new IllegalStateException(name + " chose a variant that does not fit");
      }
      double latency = trueLatencyMs(d, v) * Math.exp(REQUEST_SD * z);
      double correct = u < variants.get(v).accuracy() ? 1 : 0;
      double reward = qoe.of(correct, latency, devices.get(d).toleranceMs());
      p.feedback(d, v, reward);
      t.record(expected[d][v], expected[d][oracle(d)], reward);
    }
    return new PolicyRun(name, t);
  }

  /** Acklam's rational approximation of the standard normal quantile (error about 1e-5 in the tails, ample here). */
  static double inverseNormal(double p) {
    double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
        -3.066479806614716e+01, 2.506628277459239e+00};
    double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
        -1.328068155288572e+01};
    double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549671664036940e+00,
        4.374664141464968e+00, 2.938163982698783e+00};
    double[] e = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
    double q;
    if (p < 0.02425) {
      q = Math.sqrt(-2 * Math.log(p));
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
          / ((((e[0] * q + e[1]) * q + e[2]) * q + e[3]) * q + 1);
    }
    if (p > 1 - 0.02425) {
      return -inverseNormal(1 - p);
    }
    q = p - 0.5;
    double r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
}

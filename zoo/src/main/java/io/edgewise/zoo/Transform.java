package io.edgewise.zoo;

/** One step of a variant's recipe, applied in the order the config lists them (prune, then quantize). */
public sealed interface Transform {
  /** The short label the report and the index show ("int8(minmax)", "fp16", "prune(0.50)"). */
  String label();

  /**
   * Everything that decides the step's output from its input (the label and the options it does not show): with the
   * input file's content hash, the key under which a merged run computes the step once.
   */
  default String key() {
    return label();
  }

  /**
   * int8 static post-training quantization written as QDQ.
   *
   * @param calibration "minmax", "percentile" or "entropy"
   * @param percentile the percentile of |activation| kept when calibration is "percentile" (e.g. 99.99)
   * @param signedActivations int8 activations instead of uint8
   */
  record Quantize(String calibration, double percentile, boolean signedActivations) implements Transform {
    @Override
    public String label() {
      String c = calibration.equals("percentile") ? "p" + percentile : calibration;
      return "int8(" + c + (signedActivations ? ",s8" : "") + ")";
    }
  }

  /** float16 initializers with Cast nodes back to float where they are read. */
  record Fp16() implements Transform {
    @Override
    public String label() {
      return "fp16";
    }
  }

  /**
   * Structured channel pruning at {@code ratio} by filter L1 norm, then {@code epochs} of fine-tuning; in a merged run
   * where a lower ratio of the same model is fine-tuned too, this one starts from that one's tuned weights and tunes
   * for {@code warmEpochs} instead (Mistify's warm start).
   */
  record Prune(double ratio, int epochs, int warmEpochs) implements Transform {
    /** The default warm-start budget: half the epochs from scratch, rounded up. */
    public static int defaultWarmEpochs(int epochs) {
      return (epochs + 1) / 2;
    }

    @Override
    public String label() {
      return String.format(java.util.Locale.ROOT, "prune(%.2f)", ratio);
    }

    @Override
    public String key() {
      return label() + ",epochs=" + epochs + ",warm=" + warmEpochs;
    }
  }
}

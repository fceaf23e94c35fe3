package io.edgewise.zoo;

/** One step of a variant's recipe, applied in the order the config lists them (prune, then quantize). */
public sealed interface Transform {
  /** The short label the report and the index show ("int8(minmax)", "fp16", "prune(0.50)"). */
  String label();

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

  /** Structured channel pruning at {@code ratio} by filter L1 norm, then {@code epochs} of fine-tuning. */
  record Prune(double ratio, int epochs) implements Transform {
    @Override
    public String label() {
      return String.format(java.util.Locale.ROOT, "prune(%.2f)", ratio);
    }
  }
}

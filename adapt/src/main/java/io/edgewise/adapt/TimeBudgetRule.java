package io.edgewise.adapt;

import io.edgewise.EdgewiseException;
import java.util.List;

/**
 * MDInference's choice of a variant under a time budget (Ogden and Guo, "MDInference: Balancing Inference Accuracy
 * and Latency for Mobile Applications", IC2E 2020): the server's budget is the request's SLA less the estimated
 * network time; a variant is eligible when the mean plus gamma standard deviations of its measured latency fits in
 * that budget; the most accurate eligible variant runs, and when none is eligible the fastest (lowest mean) does.
 * A pure function of the latency statistics, which the caller measures (per variant, per device, updated online).
 */
public final class TimeBudgetRule {
  /** The paper's default gamma. */
  public static final double GAMMA = 1.0;

  private TimeBudgetRule() {}

  /** What the rule knows of one variant: its measured accuracy and latency mean and standard deviation (ms). */
  public record VariantStats(String name, double accuracy, double meanMs, double stdMs) {
    public VariantStats {
      if (!(meanMs >= 0) || !(stdMs >= 0) || !(accuracy >= 0 && accuracy <= 1)) {
        throw EdgewiseException.invalidArgument("variant " + name + ": need mean >= 0, std >= 0, 0 <= accuracy <= 1; "
            + "got " + meanMs + ", " + stdMs + ", " + accuracy);
      }
    }

    /** Eligible: the mean plus gamma standard deviations fits in the server's budget (ms). */
    public boolean fits(double budgetMs, double gamma) {
      return meanMs + gamma * stdMs <= budgetMs;
    }
  }

  /** The choice: the variant's index and whether it was eligible (false: none fit, the fastest was taken). */
  public record Choice(int variant, boolean eligible, double budgetMs) {}

  /**
   * @param variants the group's variants with their measured statistics (at least one)
   * @param slaMs the request's latency budget, end to end
   * @param networkMs the estimated network time of the request (round trip)
   * @param gamma how many standard deviations of headroom (the paper: 1)
   */
  public static Choice choose(List<VariantStats> variants, double slaMs, double networkMs, double gamma) {
    if (variants.isEmpty()) {
      throw EdgewiseException.invalidArgument("TimeBudgetRule: a group with no variant");
    }
    if (!(gamma >= 0) || Double.isNaN(slaMs) || Double.isNaN(networkMs)) {
      throw EdgewiseException.invalidArgument("TimeBudgetRule: need gamma >= 0 and numeric budgets; got gamma " + gamma
          + ", SLA " + slaMs + ", network " + networkMs);
    }
    double budget = slaMs - networkMs;
    int best = -1;
    int fastest = 0;
    for (int i = 0; i < variants.size(); i++) {
      VariantStats v = variants.get(i);
      if (v.meanMs() < variants.get(fastest).meanMs()) {
        fastest = i;
      }
      if (v.fits(budget, gamma) && (best < 0 || v.accuracy() > variants.get(best).accuracy())) {
        best = i;
      }
    }
    return best >= 0 ? new Choice(best, true, budget) : new Choice(fastest, false, budget);
  }
}

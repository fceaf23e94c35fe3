package io.edgewise.bench.pipeline;

import io.edgewise.bench.budget.BudgetBenchCommand;
import io.edgewise.bench.budget.BudgetSimulation;
import java.util.Map;
import java.util.Random;

/**
 * A network between the device and its peer: the round trip MDInference measured on real links (budget-bench's
 * {@link BudgetBenchCommand#LINKS}: mean and standard deviation in ms) and a bandwidth, which that paper does not
 * give: the figures here are stated assumptions of typical uplinks (home broadband, campus Wi-Fi, LTE), printed with
 * every result.
 */
record LinkProfile(String name, double rttMeanMs, double rttSdMs, double mbps) {
  private static final Map<String, Double> ASSUMED_MBPS = Map.of("home", 20.0, "campus", 100.0, "lte", 10.0);

  /** The named link, or null when there is none of that name. */
  static LinkProfile named(String name) {
    BudgetSimulation.Link measured = BudgetBenchCommand.LINKS.get(name);
    Double mbps = ASSUMED_MBPS.get(name);
    return measured == null || mbps == null ? null
        : new LinkProfile(name, measured.meanMs(), measured.sdMs(), mbps);
  }

  /** One job's round trip: normal, clipped at a fifth of the mean (a link is never instant). */
  double sampleRttMs(Random random) {
    return Math.max(rttMeanMs / 5, rttMeanMs + rttSdMs * random.nextGaussian());
  }

  String describe() {
    return name + " (round trip " + rttMeanMs + " +- " + rttSdMs + " ms measured by MDInference; " + mbps
        + " Mbit/s assumed)";
  }
}

package io.edgewise.bench.pipeline;

import java.util.List;
import java.util.Random;

/**
 * A network between the device and its peer: the round trip MDInference measured on real links (Ogden and Guo, IC2E
 * 2020: mean and standard deviation in ms) and a bandwidth, which that paper does not give: the figures here are
 * stated assumptions of typical links (home broadband uplink, campus Wi-Fi, LTE uplink), printed with every result.
 */
record LinkProfile(String name, double rttMeanMs, double rttSdMs, double mbps) {
  static final List<LinkProfile> ALL = List.of(
      new LinkProfile("home", 92.0, 48.4, 20),
      new LinkProfile("campus", 57.9, 30.8, 100),
      new LinkProfile("lte", 364.7, 170.6, 10));

  static LinkProfile named(String name) {
    for (LinkProfile p : ALL) {
      if (p.name.equals(name)) {
        return p;
      }
    }
    return null;
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

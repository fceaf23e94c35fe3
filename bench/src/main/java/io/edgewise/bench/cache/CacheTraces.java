package io.edgewise.bench.cache;

import io.edgewise.EdgewiseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Request traces for the cache benchmark: a list of model names, one per request, and how it was made. */
final class CacheTraces {
  private CacheTraces() {}

  /** A trace and the parameters that generated it (printed with the results). */
  record Trace(String name, List<String> requests, String parameters) {}

  /**
   * Zipf popularity: request i asks for the model of rank r with probability proportional to 1 / r^s; ranks are a
   * seeded shuffle of the models (popularity independent of size or load time).
   */
  static Trace zipf(List<String> models, double s, int n, long seed) {
    Random random = new Random(seed);
    List<String> ranked = new ArrayList<>(models);
    java.util.Collections.shuffle(ranked, random);
    double[] cdf = new double[ranked.size()];
    double sum = 0;
    for (int r = 0; r < cdf.length; r++) {
      sum += 1 / Math.pow(r + 1, s);
      cdf[r] = sum;
    }
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      double u = random.nextDouble() * sum;
      int r = Arrays.binarySearch(cdf, u);
      out.add(ranked.get(r >= 0 ? r : Math.min(cdf.length - 1, -r - 1)));
    }
    return new Trace("zipf", out, String.format("zipf s=%.2f over %d models, %d requests, seed %d, ranks shuffled",
        s, models.size(), n, seed));
  }

  /**
   * Shaped like the Azure Functions invocation trace (Shahrad et al., 2020): per-model base rates spread over orders
   * of magnitude (log-normal, sigma 2: most models are idle most of the time, a few take most requests), a diurnal
   * swing of the whole load (amplitude 0.6, a day = n/3 requests, each model with its own phase within two hours), and
   * bursts (each model enters a burst with probability 0.02 per tenth of a day, 20x its rate for 1% of a day).
   * Events are drawn from the superposed time-varying Poisson processes in simulated time.
   */
  static Trace azure(List<String> models, int n, long seed) {
    Random random = new Random(seed);
    int m = models.size();
    double sigma = 2.0;
    double amplitude = 0.6;
    double burstFactor = 20;
    double burstProbability = 0.02;
    double[] base = new double[m];
    double[] phase = new double[m];
    for (int i = 0; i < m; i++) {
      base[i] = Math.exp(sigma * random.nextGaussian());
      phase[i] = random.nextDouble() * (2.0 / 24);
    }
    double baseSum = Arrays.stream(base).sum();
    // time unit: one day; about n events in 3 days
    double day = 1.0;
    double meanRate = n / (3 * day);
    double scale = meanRate / baseSum;
    double[] burstUntil = new double[m];
    double nextBurstCheck = 0;
    double t = 0;
    List<String> out = new ArrayList<>(n);
    double[] rate = new double[m];
    while (out.size() < n) {
      if (t >= nextBurstCheck) {
        for (int i = 0; i < m; i++) {
          if (burstUntil[i] < t && random.nextDouble() < burstProbability) {
            burstUntil[i] = t + 0.01 * day;
          }
        }
        nextBurstCheck = t + 0.1 * day;
      }
      double total = 0;
      for (int i = 0; i < m; i++) {
        double diurnal = 1 + amplitude * Math.sin(2 * Math.PI * (t / day - phase[i]));
        rate[i] = scale * base[i] * diurnal * (burstUntil[i] >= t ? burstFactor : 1);
        total += rate[i];
      }
      t += -Math.log(1 - random.nextDouble()) / total;
      double u = random.nextDouble() * total;
      int pick = 0;
      for (double acc = rate[0]; acc < u && pick < m - 1; acc += rate[++pick]) {
        // walk to the model whose share holds u
      }
      out.add(models.get(pick));
    }
    return new Trace("azure", out, String.format("azure-shaped: %d models, %d requests over %.2f simulated days, "
        + "log-normal base rates (sigma %.1f), diurnal amplitude %.1f (per-model phase within 2 h), bursts x%.0f for "
        + "1%% of a day with probability %.2f per tenth of a day, seed %d", m, n, t, sigma, amplitude, burstFactor,
        burstProbability, seed));
  }

  /** A trace file: one model name per line; blank lines and lines starting with '#' are skipped. */
  static Trace file(Path file, List<String> models) throws IOException {
    List<String> out = new ArrayList<>();
    int line = 0;
    for (String raw : Files.readAllLines(file)) {
      line++;
      String s = raw.strip();
      if (s.isEmpty() || s.startsWith("#")) {
        continue;
      }
      if (!models.contains(s)) {
        throw EdgewiseException.invalidArgument(file + ":" + line + ": unknown model '" + s + "' (models: " + models
            + ")");
      }
      out.add(s);
    }
    if (out.isEmpty()) {
      throw EdgewiseException.invalidArgument(file + ": no requests (one model name per line)");
    }
    return new Trace(file.getFileName().toString(), out, "from " + file + ", " + out.size() + " requests");
  }
}

package io.edgewise.zoo.index;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A query: the variants of {@code model} on the targets matching {@code device} and {@code threads} (null / 0 for
 * any), within a median-latency budget, above a minimum accuracy and under a file size (each ignored when negative).
 * Every (variant, target) pair is a candidate; the Pareto set is computed over those meeting every constraint.
 */
public record IndexQuery(String model, String device, int threads, double latencyBudgetMs, double minAccuracy,
    long maxBytes) {

  QueryResult run(List<VariantRecord> records) {
    List<Candidate> all = new ArrayList<>();
    for (VariantRecord r : records) {
      for (Measurement m : r.latency().values()) {
        String[] dt = m.target().split("/");
        if (device != null && !dt[0].equals(device)) {
          continue;
        }
        if (threads > 0 && (dt.length < 2 || !dt[1].equals(Integer.toString(threads)))) {
          continue;
        }
        all.add(new Candidate(r.variant(), m.target(), r.accuracy(), r.metric(), r.metricValue(), m.medianMs(),
            m.p90Ms(), r.bytes(), m.kind()));
      }
    }
    List<String> excluded = new ArrayList<>();
    if (all.isEmpty()) {
      excluded.add(records.isEmpty() ? "the index has no variant of model '" + model + "'"
          : "no variant of '" + model + "' was measured on " + (device == null ? "any device" : device)
          + (threads > 0 ? " with " + threads + " threads" : ""));
    }
    Map<String, List<Candidate>> out = new LinkedHashMap<>();
    List<Candidate> fit = new ArrayList<>();
    for (Candidate c : all) {
      boolean ok = true;
      if (latencyBudgetMs >= 0 && c.medianMs() > latencyBudgetMs) {
        out.computeIfAbsent(String.format(Locale.ROOT, "latency budget %.3f ms", latencyBudgetMs),
            k -> new ArrayList<>()).add(c);
        ok = false;
      }
      if (minAccuracy >= 0 && c.accuracy() < minAccuracy) {
        out.computeIfAbsent(String.format(Locale.ROOT, "min accuracy %.4f", minAccuracy), k -> new ArrayList<>())
            .add(c);
        ok = false;
      }
      if (maxBytes >= 0 && c.bytes() > maxBytes) {
        out.computeIfAbsent("max bytes " + maxBytes, k -> new ArrayList<>()).add(c);
        ok = false;
      }
      if (ok) {
        fit.add(c);
      }
    }
    out.forEach((constraint, cs) -> excluded.add(constraint + " excluded " + String.join(", ",
        cs.stream().map(c -> String.format(Locale.ROOT, "%s on %s (accuracy %.4f, %.3f ms, %d bytes)", c.variant(),
            c.target(), c.accuracy(), c.medianMs(), c.bytes())).toList())));
    List<Candidate> pareto = new ArrayList<>();
    for (Candidate c : fit) {
      if (fit.stream().noneMatch(o -> o.dominates(c))) {
        pareto.add(c);
      }
    }
    Comparator<Candidate> best = Comparator.comparingDouble(Candidate::accuracy).reversed()
        .thenComparingDouble(Candidate::medianMs).thenComparingLong(Candidate::bytes)
        .thenComparing(Candidate::variant).thenComparing(Candidate::target);
    pareto.sort(best);
    return new QueryResult(List.copyOf(pareto), pareto.isEmpty() ? null : pareto.get(0), List.copyOf(excluded));
  }
}

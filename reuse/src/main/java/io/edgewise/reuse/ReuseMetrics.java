package io.edgewise.reuse;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The reuse meters of one session, in any Micrometer registry (the serve layer passes its Prometheus one):
 * {@code edgewise.reuse.requests{outcome=hit|miss|audit|rejected}} (rejected: a hit the caller's own check turned
 * down), {@code edgewise.reuse.lookup} (timer),
 * {@code edgewise.reuse.saved} (compute time saved by hits, seconds), {@code edgewise.reuse.insert.failures},
 * {@code edgewise.reuse.tier.hits{tier}} (served hits by the tier that answered: "local" or a peer's name).
 */
final class ReuseMetrics {
  final Counter hits;
  final Counter misses;
  final Counter audits;
  final Counter rejected;
  final Timer lookup;
  final Counter savedSeconds;
  final Counter insertFailures;
  private final MeterRegistry registry;
  private final String model;
  private final String tap;

  ReuseMetrics(MeterRegistry registry, String model, String tap) {
    this.registry = registry;
    this.model = model;
    this.tap = tap;
    hits = counter(registry, "hit", model, tap);
    misses = counter(registry, "miss", model, tap);
    audits = counter(registry, "audit", model, tap);
    rejected = counter(registry, "rejected", model, tap);
    lookup = Timer.builder("edgewise.reuse.lookup").tag("model", model).tag("tap", tap)
        .publishPercentiles(0.5, 0.99).register(registry);
    savedSeconds = Counter.builder("edgewise.reuse.saved").baseUnit("seconds").tag("model", model).tag("tap", tap)
        .register(registry);
    insertFailures = Counter.builder("edgewise.reuse.insert.failures").tag("model", model).tag("tap", tap)
        .register(registry);
  }

  private static Counter counter(MeterRegistry registry, String outcome, String model, String tap) {
    return Counter.builder("edgewise.reuse.requests").tag("outcome", outcome).tag("model", model).tag("tap", tap)
        .register(registry);
  }

  /** A served hit, counted for the tier that answered it (registered on first use: tiers are few and fixed). */
  void tierHit(String tier) {
    Counter.builder("edgewise.reuse.tier.hits").tag("tier", tier).tag("model", model).tag("tap", tap)
        .register(registry).increment();
  }

  void lookupTime(long nanos) {
    lookup.record(nanos, TimeUnit.NANOSECONDS);
  }
}

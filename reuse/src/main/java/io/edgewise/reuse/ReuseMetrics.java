package io.edgewise.reuse;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The reuse meters of one session, in any Micrometer registry (the serve layer passes its Prometheus one):
 * {@code edgewise.reuse.requests{outcome=hit|miss|audit|rejected}} (rejected: a hit the caller's own check turned
 * down), {@code edgewise.reuse.lookup} (timer),
 * {@code edgewise.reuse.saved} (compute time saved by hits, seconds), {@code edgewise.reuse.insert.failures}.
 */
final class ReuseMetrics {
  final Counter hits;
  final Counter misses;
  final Counter audits;
  final Counter rejected;
  final Timer lookup;
  final Counter savedSeconds;
  final Counter insertFailures;

  ReuseMetrics(MeterRegistry registry, String model, String tap) {
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

  void lookupTime(long nanos) {
    lookup.record(nanos, TimeUnit.NANOSECONDS);
  }
}

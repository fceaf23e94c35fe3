package io.edgewise.backend;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Measured wall time per op type across runs of one executable (thread-safe). It answers "where does the time
 * go": every figure is measured, in nanoseconds, with its call count.
 */
public final class OpProfile {
  /** One op type's totals. */
  public record Entry(String op, long calls, long nanos) {}

  private final Map<String, LongAdder[]> totals = new ConcurrentHashMap<>();

  public void record(String op, long nanos) {
    LongAdder[] t = totals.computeIfAbsent(op, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
    t[0].increment();
    t[1].add(nanos);
  }

  /** Op types by total time, largest first. */
  public List<Entry> entries() {
    return totals.entrySet().stream()
        .map(e -> new Entry(e.getKey(), e.getValue()[0].sum(), e.getValue()[1].sum()))
        .sorted(Comparator.comparingLong(Entry::nanos).reversed())
        .toList();
  }

  public void reset() {
    totals.clear();
  }
}

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
  private final Map<String, LongAdder[]> perNode = new ConcurrentHashMap<>();

  /** Adds one execution of a node (by its output name, unique in a graph) of the given op type. */
  public void record(String op, String node, long nanos) {
    add(totals, op, nanos);
    add(perNode, node, nanos);
  }

  private static void add(Map<String, LongAdder[]> map, String key, long nanos) {
    LongAdder[] t = map.computeIfAbsent(key, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
    t[0].increment();
    t[1].add(nanos);
  }

  /** Op types by total time, largest first. */
  public List<Entry> entries() {
    return sorted(totals);
  }

  /** Nodes (named by their first output) by total time, largest first. */
  public List<Entry> nodes() {
    return sorted(perNode);
  }

  private static List<Entry> sorted(Map<String, LongAdder[]> totals) {
    return totals.entrySet().stream()
        .map(e -> new Entry(e.getKey(), e.getValue()[0].sum(), e.getValue()[1].sum()))
        .sorted(Comparator.comparingLong(Entry::nanos).reversed())
        .toList();
  }

  public void reset() {
    totals.clear();
    perNode.clear();
  }
}

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
    counter(op, node).add(nanos);
  }

  /**
   * The totals of one node and of its op type, looked up once: an interpreter keeps one per node and records
   * through it on every run without the two map look-ups of {@link #record}. Valid across {@link #reset}.
   */
  public Counter counter(String op, String node) {
    return new Counter(adders(totals, op), adders(perNode, node));
  }

  /** A node's and its op type's call counts and times (see {@link #counter}). */
  public static final class Counter {
    private final LongAdder[] op;
    private final LongAdder[] node;

    private Counter(LongAdder[] op, LongAdder[] node) {
      this.op = op;
      this.node = node;
    }

    /** One execution of the node, taking {@code nanos}. */
    public void add(long nanos) {
      op[0].increment();
      op[1].add(nanos);
      node[0].increment();
      node[1].add(nanos);
    }
  }

  private static LongAdder[] adders(Map<String, LongAdder[]> map, String key) {
    return map.computeIfAbsent(key, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
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
        .filter(e -> e.calls() > 0)  // reset to zero and not run since
        .sorted(Comparator.comparingLong(Entry::nanos).reversed())
        .toList();
  }

  /** Zeroes every total (the entries stay, so the {@link Counter}s handed out keep counting into this profile). */
  public void reset() {
    for (Map<String, LongAdder[]> map : List.of(totals, perNode)) {
      for (LongAdder[] t : map.values()) {
        t[0].reset();
        t[1].reset();
      }
    }
  }
}

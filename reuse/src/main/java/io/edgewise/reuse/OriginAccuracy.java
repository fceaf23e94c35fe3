package io.edgewise.reuse;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Accuracy of reused results per origin (this device, each peer): hits served, and of the audited ones (the
 * model ran anyway to check) how many agreed with the model. A peer whose entries disagree often shows here.
 */
public final class OriginAccuracy {
  private final Map<String, LongAdder[]> counts = new ConcurrentHashMap<>();

  /** Per origin: hits, audited, agreed, and agreed / audited (NaN before any audit). */
  public record Counts(long hits, long audited, long agreed) {
    public double accuracy() {
      return audited == 0 ? Double.NaN : (double) agreed / audited;
    }
  }

  void hit(String origin) {
    row(origin)[0].increment();
  }

  void audited(String origin, boolean agreed) {
    LongAdder[] r = row(origin);
    r[1].increment();
    if (agreed) {
      r[2].increment();
    }
  }

  private LongAdder[] row(String origin) {
    return counts.computeIfAbsent(origin == null ? "?" : origin,
        o -> new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder()});
  }

  public Map<String, Counts> snapshot() {
    Map<String, Counts> out = new TreeMap<>();
    counts.forEach((o, r) -> out.put(o, new Counts(r[0].sum(), r[1].sum(), r[2].sum())));
    return out;
  }
}

package io.edgewise.reuse;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.lmdbjava.Dbi;
import org.lmdbjava.Txn;

/**
 * Hit accounting: hits are counted in memory, so that the read path stays read-only, and written into the entries'
 * stats rows by the next write transaction (or returned here when that transaction aborts).
 */
final class PendingHits {
  /** Hits of one entry not yet written: how many, the compute time they saved, the latest one's time. */
  record Hit(long hits, long savedNanos, long lastHitMillis) {
    Hit plus(Hit o) {
      return new Hit(hits + o.hits, savedNanos + o.savedNanos, Math.max(lastHitMillis, o.lastHitMillis));
    }
  }

  private final Map<Long, Hit> pending = new ConcurrentHashMap<>();

  /** Counts one hit of entry {@code id} at {@code nowMillis}. */
  void record(long id, long savedNanos, long nowMillis) {
    pending.merge(id, new Hit(1, savedNanos, nowMillis), Hit::plus);
  }

  /** The entry's hits not yet written, or null. */
  Hit of(long id) {
    return pending.get(id);
  }

  boolean isEmpty() {
    return pending.isEmpty();
  }

  /** Forgets an entry's hits (it was removed). */
  void forget(long id) {
    pending.remove(id);
  }

  void clear() {
    pending.clear();
  }

  /** Sums over every entry's pending hits: {hits, saved nanos}. */
  long[] totals() {
    long[] sum = new long[2];
    for (Hit h : pending.values()) {
      sum[0] += h.hits();
      sum[1] += h.savedNanos();
    }
    return sum;
  }

  /** Takes every pending hit out, for a write transaction to apply. */
  Map<Long, Hit> drain() {
    Map<Long, Hit> drained = new HashMap<>();
    for (Long id : new ArrayList<>(pending.keySet())) {
      Hit h = pending.remove(id);
      if (h != null) {
        drained.put(id, h);
      }
    }
    return drained;
  }

  /** Puts drained hits back (their transaction aborted), merged with any counted meanwhile. */
  void restore(Map<Long, Hit> drained) {
    drained.forEach((id, h) -> pending.merge(id, h, Hit::plus));
  }

  /** Adds drained hits to the entries' rows in {@code stats}; an entry evicted meanwhile is skipped. */
  static void apply(Txn<ByteBuffer> txn, Dbi<ByteBuffer> stats, Map<Long, Hit> drained) {
    for (Map.Entry<Long, Hit> e : drained.entrySet()) {
      ByteBuffer key = StoreKeys.idKey(e.getKey());
      ByteBuffer v = stats.get(txn, key);
      if (v == null) {
        continue; // evicted meanwhile
      }
      stats.put(txn, key, StatsRecord.decode(v).plus(e.getValue()).encode());
    }
  }
}

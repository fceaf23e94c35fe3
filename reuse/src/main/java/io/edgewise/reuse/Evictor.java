package io.edgewise.reuse;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.lmdbjava.Cursor;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

/**
 * Eviction: samples entries at random (Redis-style approximate eviction), ranks the sample by the
 * {@link EvictionPolicy}'s score and removes the lowest-scored quarter, round after round, until the entries'
 * byte total is down to a target. Removing an entry deletes its value, index keys, stats row and pending hits.
 */
final class Evictor {
  /** Entries sampled per eviction round (Redis samples 5-10 per key; a batch of 64 keeps rounds few). */
  static final int EVICTION_SAMPLE = 64;

  private final StoreEnv env;
  private final MetaTable meta;
  private final LshIndex index;
  private final PendingHits pendingHits;
  private final StoreStatistics statistics;
  private final ReuseStoreOptions options;
  private final SplittableRandom random = new SplittableRandom(0x5eed);

  Evictor(StoreEnv env, MetaTable meta, LshIndex index, PendingHits pendingHits, StoreStatistics statistics,
      ReuseStoreOptions options) {
    this.env = env;
    this.meta = meta;
    this.index = index;
    this.pendingHits = pendingHits;
    this.statistics = statistics;
    this.options = options;
  }

  /** Evicts sampled lowest-scored entries until the byte total is at most {@code target}. */
  void evictTo(Txn<ByteBuffer> txn, long target, long now) {
    long total = meta.totalBytes(txn);
    try (Cursor<ByteBuffer> cursor = env.stats.openCursor(txn)) {
      while (total > target) {
        if (!cursor.first()) {
          break;
        }
        long first = StoreKeys.id(cursor.key());
        cursor.last();
        long last = StoreKeys.id(cursor.key());
        Map<Long, StatsRecord> sample = new HashMap<>();
        for (int s = 0; s < EVICTION_SAMPLE; s++) {
          long probe = first + (last > first ? random.nextLong(last - first + 1) : 0);
          if (cursor.get(StoreKeys.idKey(probe), GetOp.MDB_SET_RANGE)) {
            sample.putIfAbsent(StoreKeys.id(cursor.key()), StatsRecord.decode(cursor.val()));
          }
        }
        List<Map.Entry<Long, StatsRecord>> ranked = rank(sample, options.eviction(), now, options.halfLifeMillis());
        int quota = Math.max(1, ranked.size() / 4);
        for (int i = 0; i < quota && total > target; i++) {
          total -= remove(txn, ranked.get(i).getKey(), ranked.get(i).getValue());
        }
      }
    }
    meta.putTotalBytes(txn, Math.max(0, total));
  }

  /** The sampled entries, the first to evict first: lowest score first, ties in the sample's order. */
  static List<Map.Entry<Long, StatsRecord>> rank(Map<Long, StatsRecord> sample, EvictionPolicy policy, long now,
      long halfLifeMillis) {
    List<Map.Entry<Long, StatsRecord>> ranked = new ArrayList<>(sample.entrySet());
    ranked.sort(Comparator.comparingDouble(e -> {
      StatsRecord r = e.getValue();
      return policy.score(r.hits(), r.compute(), r.size(), Math.max(r.created(), r.lastHit()), now, halfLifeMillis);
    }));
    return ranked;
  }

  /** Removes one entry whole; returns the bytes it occupied. */
  private int remove(Txn<ByteBuffer> txn, long id, StatsRecord r) {
    env.entries.delete(txn, StoreKeys.entryKey(Scratch.get().entryKey, r.ns(), id));
    index.remove(txn, r.ns(), id, r.codes());
    env.stats.delete(txn, StoreKeys.idKey(id));
    pendingHits.forget(id);
    statistics.evictions.incrementAndGet();
    return r.size();
  }
}

package io.edgewise.reuse;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

/**
 * The A-LSH index table: one key (namespace, table, Morton code, id) per table for each entry, and the bucket scan
 * that turns a query's codes into a bounded set of candidate ids, widening the buckets level by level.
 */
final class LshIndex {
  /** The candidate ids of a query and the level whose buckets yielded them. */
  record Candidates(Set<Long> ids, int level) {}

  private final Dbi<ByteBuffer> index;

  LshIndex(Dbi<ByteBuffer> index) {
    this.index = index;
  }

  /** Writes an entry's index keys, one per table. */
  void add(Txn<ByteBuffer> txn, long ns, long id, long[] codes) {
    Scratch scratch = Scratch.get();
    for (int t = 0; t < codes.length; t++) {
      index.put(txn, StoreKeys.indexKey(scratch.indexKey, ns, t, codes[t], id), scratch.empty);
    }
  }

  /** Deletes an entry's index keys. */
  void remove(Txn<ByteBuffer> txn, long ns, long id, long[] codes) {
    ByteBuffer ikey = Scratch.get().indexKey;
    for (int t = 0; t < codes.length; t++) {
      index.delete(txn, StoreKeys.indexKey(ikey, ns, t, codes[t], id));
    }
  }

  /**
   * The candidates of a query with the given codes: starting one level below where recent lookups of the namespace
   * stopped, each level scans the query's bucket in every table (at most {@code target} keys per table) and widens
   * the buckets until {@code target} distinct ids are found; at most {@code maxInspected} ids in all. Updates the
   * namespace's level hint.
   */
  Candidates candidates(Txn<ByteBuffer> txn, Namespace ns, long[] codes, int target, int maxInspected) {
    Set<Long> seen = new HashSet<>();
    try (Cursor<ByteBuffer> cursor = index.openCursor(txn)) {
      int level = Math.max(0, ns.levelHint.get() - 1);
      ByteBuffer key = Scratch.get().indexKey;
      for (; level <= AdaptiveLsh.MAX_LEVEL; level++) {
        for (int t = 0; t < codes.length; t++) {
          scanBucket(cursor, key, ns.id(), t, codes[t], level, target, seen, maxInspected);
        }
        if (seen.size() >= target) {
          break;
        }
      }
      level = Math.min(level, AdaptiveLsh.MAX_LEVEL);
      ns.levelHint.set(level);
      return new Candidates(seen, level);
    }
  }

  /**
   * Collects ids from the query's bucket at one level: up to {@code cap} keys, taken outward from the query's own
   * finest cell (half forward, half backward in Morton order, which keeps nearby cells close), so that a dense
   * bucket yields the entries nearest the query rather than the first ones of the bucket.
   */
  private static void scanBucket(Cursor<ByteBuffer> cursor, ByteBuffer key, long ns, int table, long code, int level,
      int cap, Set<Long> seen, int maxInspected) {
    long low = AdaptiveLsh.cellLow(code, level);
    long high = AdaptiveLsh.cellHigh(code, level);
    StoreKeys.indexKey(key, ns, table, code, 0);
    int taken = 0;
    boolean positioned;
    if (cursor.get(key, GetOp.MDB_SET_RANGE)) {
      taken = walk(cursor, true, ns, table, low, high, taken, (cap + 1) / 2, seen, maxInspected);
      if (taken < 0) {
        return;
      }
      // back to just before the query's code
      positioned = cursor.get(key, GetOp.MDB_SET_RANGE) && cursor.prev();
    } else {
      positioned = cursor.last();
    }
    if (positioned) {
      walk(cursor, false, ns, table, low, high, taken, cap, seen, maxInspected);
    }
  }

  /**
   * Takes ids from the cursor's key onward ({@code forward}) or backward while the keys are in the bucket and
   * fewer than {@code limit} were taken (counting the {@code taken} before); returns the new count, or -1 once
   * {@code maxInspected} ids are seen.
   */
  private static int walk(Cursor<ByteBuffer> cursor, boolean forward, long ns, int table, long low, long high,
      int taken, int limit, Set<Long> seen, int maxInspected) {
    do {
      if (seen.size() >= maxInspected) {
        return -1;
      }
      ByteBuffer k = cursor.key();
      if (!StoreKeys.inBucket(k, ns, table, low, high)) {
        return taken;
      }
      if (seen.add(StoreKeys.indexId(k))) {
        taken++;
      }
    } while (taken < limit && (forward ? cursor.next() : cursor.prev()));
    return taken;
  }
}

package io.edgewise.reuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The layout of an entry's row in the {@code stats} table (little-endian): namespace, created, last hit, hits,
 * saved nanos, compute nanos, bytes occupied, and the entry's A-LSH code per table (so that eviction can delete
 * its index keys). Small, so that a hit rewrites only this row.
 */
record StatsRecord(long ns, long created, long lastHit, long hits, long saved, long compute, int size,
    long[] codes) {
  /** Encoded bytes of a row with {@code tables} codes. */
  static int size(int tables) {
    return 8 * 6 + 4 + 1 + 8 * tables;
  }

  /** This row with pending hits added: counts summed, the last hit the later one. */
  StatsRecord plus(PendingHits.Hit h) {
    return new StatsRecord(ns, created, Math.max(lastHit, h.lastHitMillis()), hits + h.hits(),
        saved + h.savedNanos(), compute, size, codes);
  }

  /** Encodes into this thread's scratch buffer, returned flipped. */
  ByteBuffer encode() {
    ByteBuffer b = Scratch.get().stats.clear();
    b.putLong(ns).putLong(created).putLong(lastHit).putLong(hits).putLong(saved).putLong(compute).putInt(size)
        .put((byte) codes.length);
    for (long c : codes) {
      b.putLong(c);
    }
    return b.flip();
  }

  static StatsRecord decode(ByteBuffer value) {
    ByteBuffer b = value.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    long ns = b.getLong();
    long created = b.getLong();
    long lastHit = b.getLong();
    long hits = b.getLong();
    long saved = b.getLong();
    long compute = b.getLong();
    int size = b.getInt();
    long[] codes = new long[b.get()];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = b.getLong();
    }
    return new StatsRecord(ns, created, lastHit, hits, saved, compute, size, codes);
  }
}

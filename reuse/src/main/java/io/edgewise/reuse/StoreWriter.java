package io.edgewise.reuse;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.lmdbjava.Env;
import org.lmdbjava.EnvInfo;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write path: one writer at a time (this lock in the process, LMDB's own across processes), every write one
 * LMDB transaction that first writes the pending hits, so that it commits or vanishes as a unit. MDB_MAP_FULL
 * aborts it; the map then doubles (up to maxMapBytes) or, at the maximum, the store evicts to a smaller byte bound,
 * and the write runs again. Inserting entries is one such write, evicting down to capacity in the same transaction.
 */
final class StoreWriter {
  private static final Logger LOG = LoggerFactory.getLogger(StoreWriter.class);
  /** Eviction brings the store this far below capacity so that it does not run on every insert. */
  private static final double LOW_WATER = 0.9;
  /** Writes that meet MDB_MAP_FULL this many times more fail. */
  private static final int MAX_RETRIES = 6;

  private final StoreEnv env;
  private final MetaTable meta;
  private final LshIndex index;
  private final PendingHits pendingHits;
  private final Evictor evictor;
  private final StoreStatistics statistics;
  private final ReuseStoreOptions options;
  private final ReentrantLock writer = new ReentrantLock();
  /** Lowered when the map is full at its maximum size: the bytes the map can really hold. */
  private volatile long mapLimitedCapacity = Long.MAX_VALUE;

  StoreWriter(StoreEnv env, MetaTable meta, LshIndex index, PendingHits pendingHits, Evictor evictor,
      StoreStatistics statistics, ReuseStoreOptions options) {
    this.env = env;
    this.meta = meta;
    this.index = index;
    this.pendingHits = pendingHits;
    this.evictor = evictor;
    this.statistics = statistics;
    this.options = options;
  }

  /**
   * Runs one write transaction: pending hits first, then the operation. MDB_MAP_FULL aborts it (the hits go back
   * to pending); the map then grows or the store evicts, and the operation runs again.
   */
  <T> T write(StoreEnv.TxnOp<T> op) {
    writer.lock();
    try {
      for (int attempt = 0; ; attempt++) {
        Map<Long, PendingHits.Hit> hits = pendingHits.drain();
        try {
          return env.write(txn -> {
            PendingHits.apply(txn, env.stats, hits);
            return op.apply(txn);
          });
        } catch (Env.MapFullException e) {
          pendingHits.restore(hits);
        } catch (LmdbException e) {
          throw new EdgewiseException(ErrorCode.IO, "reuse store " + env.dir + ": LMDB write failed: " + e, e);
        }
        if (attempt >= MAX_RETRIES) {
          throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, "reuse store " + env.dir + ": the LMDB map "
              + "stays full after growing to " + options.maxMapBytes() + " bytes and evicting");
        }
        relieveMapFull();
      }
    } finally {
      writer.unlock();
    }
  }

  /**
   * Inserts entries (whose dimensions the caller checked) in one transaction and evicts down to capacity in the
   * same transaction. Ids in order, -1 for any that could not be stored (larger than the whole capacity, or the map
   * is full even after eviction): a cache that cannot keep an entry must never fail the inference that produced it.
   */
  long[] insertAll(Namespace ns, List<ReuseStore.NewEntry> batch) {
    try {
      return write(txn -> {
        long[] ids = new long[batch.size()];
        long now = options.clockMillis().getAsLong();
        long total = meta.totalBytes(txn);
        long next = meta.nextId(txn);
        for (int i = 0; i < batch.size(); i++) {
          ReuseStore.NewEntry e = batch.get(i);
          Scratch scratch = Scratch.get();
          ByteBuffer value = EntryCodec.encode(scratch.value(EntryCodec.encodedSize(ns.dim(), ns.featureType(),
              e.result(), e.origin())), e.feature(), ns.featureType(), e.result(), now, e.computeNanos(), e.origin());
          long[] codes = ns.lsh().codes(e.feature());
          int size = occupiedBytes(value.remaining(), codes.length);
          if (size > options.capacityBytes()) {
            ids[i] = -1;
            statistics.failedInserts.incrementAndGet();
            continue;
          }
          long id = next++;
          env.entries.put(txn, StoreKeys.entryKey(scratch.entryKey, ns.id(), id), value);
          index.add(txn, ns.id(), id, codes);
          env.stats.put(txn, StoreKeys.idKey(id),
              new StatsRecord(ns.id(), now, 0, 0, 0, e.computeNanos(), size, codes).encode());
          total += size;
          ids[i] = id;
        }
        meta.putNextId(txn, next);
        meta.putTotalBytes(txn, total);
        guardMapAtMaximum(total);
        long capacity = effectiveCapacity();
        if (total > capacity) {
          evictor.evictTo(txn, (long) (capacity * LOW_WATER), now);
        }
        return ids;
      });
    } catch (EdgewiseException e) {
      if (e.code() != ErrorCode.RESOURCE_EXHAUSTED) {
        throw e;
      }
      LOG.warn("reuse store {}: {} entries not stored: {}", env.dir, batch.size(), e.getMessage());
      statistics.failedInserts.addAndGet(batch.size());
      long[] none = new long[batch.size()];
      Arrays.fill(none, -1);
      return none;
    } finally {
      statistics.inserts.addAndGet(batch.size());
    }
  }

  /** Bytes an entry counts against capacity: its key and value, stats key and row, and one index key per table. */
  static int occupiedBytes(int valueBytes, int tables) {
    return StoreKeys.ENTRY_KEY + valueBytes + StoreKeys.ID_KEY + StatsRecord.size(tables)
        + StoreKeys.INDEX_KEY * tables;
  }

  /**
   * At the maximum map size, a completely full map cannot even evict (deleting copies every touched page, and
   * random index keys touch most of them), so the store stops short: once the map's high-water mark passes half
   * of the maximum, it keeps half of what it holds then, leaving copy-on-write its room.
   */
  private void guardMapAtMaximum(long total) {
    if (mapLimitedCapacity != Long.MAX_VALUE) {
      return;
    }
    EnvInfo info = env.info();
    if (info.mapSize >= options.maxMapBytes() && (info.lastPageNumber + 1) * env.pageSize > 0.5 * info.mapSize) {
      mapLimitedCapacity = Math.max(4096, total / 2);
      LOG.info("reuse store {}: the map is half full at its maximum size {}; keeping at most {} bytes of entries",
          env.dir, info.mapSize, mapLimitedCapacity);
    }
  }

  private long effectiveCapacity() {
    return Math.min(options.capacityBytes(), mapLimitedCapacity);
  }

  private void relieveMapFull() {
    long size = env.info().mapSize;
    if (size < options.maxMapBytes()) {
      long grown = Math.min(options.maxMapBytes(), size * 2);
      env.resize(grown);
      statistics.mapGrowths.incrementAndGet();
      LOG.info("reuse store {}: MDB_MAP_FULL, map grown from {} to {} bytes", env.dir, size, grown);
      return;
    }
    try {
      env.write(txn -> {
        // the map holds about what is stored now: from here on the store keeps half of that (B-tree pages and
        // copy-on-write need the rest), evicting with every insert as it would at its byte capacity
        long total = meta.totalBytes(txn);
        mapLimitedCapacity = Math.max(4096, Math.min(mapLimitedCapacity, total / 2));
        LOG.info("reuse store {}: MDB_MAP_FULL at the maximum map size {}; keeping at most {} bytes of entries",
            env.dir, size, mapLimitedCapacity);
        evictor.evictTo(txn, (long) (mapLimitedCapacity * LOW_WATER), options.clockMillis().getAsLong());
        return null;
      });
    } catch (Env.MapFullException e) {
      throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, "reuse store " + env.dir + ": the LMDB map is full "
          + "and even evicting needs more room; raise maxMapBytes", e);
    }
  }
}

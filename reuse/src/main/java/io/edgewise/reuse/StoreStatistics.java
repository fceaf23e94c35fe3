package io.edgewise.reuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.lmdbjava.Cursor;

/**
 * The store's statistics: what this process counted since it opened the store (lookups, inserts, evictions, map
 * growths, failed inserts) and the {@link ReuseStats} snapshot that adds what the store itself holds.
 */
final class StoreStatistics {
  final AtomicLong lookups = new AtomicLong();
  final AtomicLong inserts = new AtomicLong();
  final AtomicLong evictions = new AtomicLong();
  final AtomicLong mapGrowths = new AtomicLong();
  final AtomicLong failedInserts = new AtomicLong();

  /** Entries, bytes and hits as stored (with hits not yet written), per namespace too, and this process's counts. */
  ReuseStats snapshot(StoreEnv env, MetaTable meta, PendingHits pendingHits, List<Namespace> namespaces,
      ReuseStoreOptions options) {
    return env.read(txn -> {
      long count = 0;
      long hits = 0;
      long saved = 0;
      Map<Long, Long> perNs = new HashMap<>();
      try (Cursor<ByteBuffer> c = env.stats.openCursor(txn)) {
        for (boolean ok = c.first(); ok; ok = c.next()) {
          StatsRecord r = StatsRecord.decode(c.val());
          count++;
          hits += r.hits();
          saved += r.saved();
          perNs.merge(r.ns(), 1L, Long::sum);
        }
      }
      long[] pending = pendingHits.totals();
      hits += pending[0];
      saved += pending[1];
      List<ReuseStats.NamespaceStats> nss = new ArrayList<>();
      for (Namespace ns : namespaces) {
        nss.add(new ReuseStats.NamespaceStats(Long.toHexString(ns.id()), ns.modelHash(), ns.tap(), ns.dim(),
            ns.featureType().name(), perNs.getOrDefault(ns.id(), 0L)));
      }
      return new ReuseStats(count, meta.totalBytes(txn), options.capacityBytes(), onDiskBytes(env.dir),
          env.info().mapSize, hits, saved, options.eviction(), nss, lookups.get(), inserts.get(), evictions.get(),
          mapGrowths.get(), failedInserts.get());
    });
  }

  /** Bytes the store's files take on disk (allocated blocks, so a sparse map file counts what it holds). */
  static long onDiskBytes(Path dir) {
    long sum = 0;
    for (String f : new String[] {"data.mdb", "lock.mdb"}) {
      Path p = dir.resolve(f);
      try {
        Object blocks = Files.getAttribute(p, "unix:blocks");
        sum += ((Number) blocks).longValue() * 512;
      } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
        try {
          sum += Files.size(p);
        } catch (IOException ignored) {
          // a missing lock file counts as nothing
        }
      }
    }
    return sum;
  }
}

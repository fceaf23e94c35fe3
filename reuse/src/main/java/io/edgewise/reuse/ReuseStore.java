package io.edgewise.reuse;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feature-reuse store: entries keyed by (model content hash, tap point, id), an A-LSH index over their
 * features, hit statistics and byte-bounded eviction, all in one LMDB environment so that everything survives
 * restarts and crashes together (every insert is one LMDB transaction: entry, index keys, statistics and the
 * byte total commit or vanish as a unit).
 *
 * <p>Concurrency: one writer at a time (a lock here, LMDB's own across processes) and any number of readers;
 * lookups run in read transactions and never wait for the writer (MVCC). Hits are counted in memory and written
 * by the next write transaction, so the read path stays read-only. MDB_MAP_FULL grows the map (which needs every
 * transaction of this process closed, hence the environment lock) or, past the maximum, evicts.
 *
 * <p>Tables (LMDB named databases): {@code entries} (namespace, id) to the entry; {@code index} (namespace,
 * table, Morton code, id) to nothing; {@code stats} id to hits, last hit, size and index codes; {@code meta}
 * namespaces, counters and blobs.
 */
public final class ReuseStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReuseStore.class);
  private static final int INDEX_KEY = 25;
  private static final int ENTRY_KEY = 16;
  /** Entries sampled per eviction round (Redis samples 5-10 per key; a batch of 64 keeps rounds few). */
  private static final int EVICTION_SAMPLE = 64;
  /** Eviction brings the store this far below capacity so that it does not run on every insert. */
  private static final double LOW_WATER = 0.9;
  private static final byte[] TOTAL_BYTES = utf8("total_bytes");
  private static final byte[] NEXT_ID = utf8("next_id");

  private final Path dir;
  private final ReuseStoreOptions options;
  private final Env<ByteBuffer> env;
  private final Dbi<ByteBuffer> entries;
  private final Dbi<ByteBuffer> index;
  private final Dbi<ByteBuffer> stats;
  private final Dbi<ByteBuffer> meta;
  /** Transactions hold the read side; growing the map takes the write side (LMDB needs no open transaction). */
  private final ReentrantReadWriteLock envLock = new ReentrantReadWriteLock();
  private final ReentrantLock writer = new ReentrantLock();
  private final Map<Long, Namespace> namespaces = new ConcurrentHashMap<>();
  /** id -> {hits, saved nanos, last hit}: hits not yet written. */
  private final Map<Long, long[]> pendingHits = new ConcurrentHashMap<>();
  private final SplittableRandom random = new SplittableRandom(0x5eed);
  private final AtomicLong lookups = new AtomicLong();
  private final AtomicLong inserts = new AtomicLong();
  private final AtomicLong evictions = new AtomicLong();
  private final AtomicLong mapGrowths = new AtomicLong();
  private final AtomicLong failedInserts = new AtomicLong();
  private volatile boolean closed;
  private final int pageSize;
  /** Lowered when the map is full at its maximum size: the bytes the map can really hold. */
  private volatile long mapLimitedCapacity = Long.MAX_VALUE;

  private ReuseStore(Path dir, ReuseStoreOptions options, Env<ByteBuffer> env) {
    this.dir = dir;
    this.options = options;
    this.env = env;
    this.entries = env.openDbi("entries", DbiFlags.MDB_CREATE);
    this.index = env.openDbi("index", DbiFlags.MDB_CREATE);
    this.stats = env.openDbi("stats", DbiFlags.MDB_CREATE);
    this.meta = env.openDbi("meta", DbiFlags.MDB_CREATE);
    this.pageSize = env.stat().pageSize;
  }

  /** Opens (creating if needed) the store in a directory. */
  public static ReuseStore open(Path dir, ReuseStoreOptions options) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "reuse store: cannot create directory " + dir + ": " + e, e);
    }
    if (!Files.isWritable(dir)) {
      throw new EdgewiseException(ErrorCode.IO, "reuse store: directory " + dir + " is not writable");
    }
    Env<ByteBuffer> env = null;
    try {
      EnvFlags[] flags = options.syncOnCommit() ? new EnvFlags[] {EnvFlags.MDB_NOTLS}
          : new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC};
      env = Env.create().setMapSize(options.initialMapBytes()).setMaxDbs(8).setMaxReaders(256)
          .open(dir.toFile(), flags);
      ReuseStore store = new ReuseStore(dir, options, env);
      store.loadNamespaces();
      return store;
    } catch (LmdbException e) {
      if (env != null) {
        env.close();
      }
      throw new EdgewiseException(ErrorCode.IO, "reuse store: cannot open LMDB environment in " + dir + ": " + e, e);
    }
  }

  public Path directory() {
    return dir;
  }

  public ReuseStoreOptions options() {
    return options;
  }

  // ---------------------------------------------------------------- namespaces

  /** The namespace of (model, tap) if it exists. */
  public Optional<Namespace> findNamespace(String modelHash, String tap) {
    return Optional.ofNullable(namespaces.get(namespaceId(modelHash, tap)));
  }

  public List<Namespace> namespaces() {
    return List.copyOf(namespaces.values());
  }

  /**
   * The namespace of (model, tap), created on first use: its A-LSH base width is set from the example feature's
   * norm (1/1024 of it: the 16-bit cells then span about +-32 norms, and levels widen buckets up to 32x the norm).
   */
  public Namespace namespace(String modelHash, String tap, float[] example) {
    long id = namespaceId(modelHash, tap);
    Namespace ns = namespaces.get(id);
    if (ns != null) {
      if (ns.dim() != example.length) {
        throw EdgewiseException.invalidArgument("reuse store " + dir + ": " + ns + " holds features of " + ns.dim()
            + " values, got " + example.length + " (did the tap point's shape change?)");
      }
      return ns;
    }
    double norm = Math.sqrt(dot(example, example));
    double width = Math.max(norm, 1e-6) / 1024;
    Namespace created = new Namespace(id, modelHash, tap, example.length, options.featureType(),
        new AdaptiveLsh(options.tables(), example.length, width, id));
    write(txn -> {
      ByteBuffer key = metaKey("ns:" + Long.toHexString(id));
      if (meta.get(txn, key) == null) {
        meta.put(txn, key, encodeNamespace(created));
      }
      return null;
    });
    loadNamespaces();
    return namespaces.get(id);
  }

  // ---------------------------------------------------------------- lookup

  /**
   * The k nearest stored entries of the namespace, by A-LSH: starting one level below where recent lookups
   * stopped, each level scans the query's bucket in every table (at most {@code candidates} keys per table) and
   * widens the buckets until the target number of distinct candidates is reached; their exact distances decide.
   */
  public Neighbours nearest(Namespace ns, float[] q, int k) {
    checkOpen();
    if (q.length != ns.dim()) {
      throw EdgewiseException.invalidArgument("reuse lookup in " + ns + ": query has " + q.length + " values");
    }
    lookups.incrementAndGet();
    long[] codes = ns.lsh().codes(q);
    int target = options.candidates();
    int maxInspected = target * options.tables();
    Set<Long> seen = new HashSet<>();
    List<Neighbour> found = new ArrayList<>();
    envLock.readLock().lock();
    try (Txn<ByteBuffer> txn = env.txnRead(); Cursor<ByteBuffer> cursor = index.openCursor(txn)) {
      int level = Math.max(0, ns.levelHint.get() - 1);
      Scratch scratch = SCRATCH.get();
      ByteBuffer key = scratch.indexKey;
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
      ByteBuffer ekey = scratch.entryKey;
      for (long id : seen) {
        ByteBuffer v = entries.get(txn, entryKey(ekey, ns.id(), id));
        if (v != null) {
          found.add(new Neighbour(id, Math.sqrt(EntryCodec.distanceSquared(v, q)), EntryCodec.label(v), null));
        }
      }
      found.sort(Comparator.comparingDouble(Neighbour::distance));
      List<Neighbour> nearest = new ArrayList<>(Math.min(k, found.size()));
      for (Neighbour n : found.subList(0, Math.min(k, found.size()))) {
        ByteBuffer v = entries.get(txn, entryKey(ekey, ns.id(), n.id()));
        nearest.add(new Neighbour(n.id(), n.distance(), n.label(), EntryCodec.origin(v)));
      }
      return new Neighbours(nearest, seen.size(), level);
    } finally {
      envLock.readLock().unlock();
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
    key.clear();
    key.putLong(ns).put((byte) table).putLong(code).putLong(0).flip();
    boolean positioned = cursor.get(key, GetOp.MDB_SET_RANGE);
    int taken = 0;
    int forwardCap = (cap + 1) / 2;
    if (positioned) {
      do {
        if (seen.size() >= maxInspected) {
          return;
        }
        ByteBuffer k = cursor.key().order(ByteOrder.BIG_ENDIAN);
        if (!inBucket(k, ns, table, low, high)) {
          break;
        }
        if (seen.add(k.getLong(17))) {
          taken++;
        }
      } while (taken < forwardCap && cursor.next());
      // back to just before the query's code
      positioned = cursor.get(key, GetOp.MDB_SET_RANGE) && cursor.prev();
    } else {
      positioned = cursor.last();
    }
    if (!positioned) {
      return;
    }
    do {
      if (seen.size() >= maxInspected) {
        return;
      }
      ByteBuffer k = cursor.key().order(ByteOrder.BIG_ENDIAN);
      if (!inBucket(k, ns, table, low, high)) {
        return;
      }
      if (seen.add(k.getLong(17))) {
        taken++;
      }
    } while (taken < cap && cursor.prev());
  }

  private static boolean inBucket(ByteBuffer k, long ns, int table, long low, long high) {
    return k.remaining() == INDEX_KEY && k.getLong(0) == ns && k.get(8) == table
        && Long.compareUnsigned(k.getLong(9), low) >= 0 && Long.compareUnsigned(k.getLong(9), high) <= 0;
  }

  /** The entry with its statistics, or empty when it is not (or no longer) stored. */
  public Optional<ReuseEntry> get(Namespace ns, long id) {
    checkOpen();
    envLock.readLock().lock();
    try (Txn<ByteBuffer> txn = env.txnRead()) {
      // lmdbjava reuses one value buffer per transaction: decode each value before the next get
      ByteBuffer s = stats.get(txn, idKey(id));
      StatsRecord r = s == null ? null : StatsRecord.decode(s);
      ByteBuffer v = entries.get(txn, entryKey(SCRATCH.get().entryKey, ns.id(), id));
      if (v == null) {
        return Optional.empty();
      }
      long[] pending = pendingHits.get(id);
      long hits = (r == null ? 0 : r.hits) + (pending == null ? 0 : pending[0]);
      long saved = (r == null ? 0 : r.saved) + (pending == null ? 0 : pending[1]);
      long last = Math.max(r == null ? 0 : r.lastHit, pending == null ? 0 : pending[2]);
      return Optional.of(EntryCodec.decode(v, id, last, hits, saved));
    } finally {
      envLock.readLock().unlock();
    }
  }

  /** Counts a hit of an entry; written with the next write transaction (or flush()). */
  public void recordHit(long id, long savedNanos) {
    long now = options.clockMillis().getAsLong();
    pendingHits.merge(id, new long[] {1, savedNanos, now},
        (a, b) -> new long[] {a[0] + b[0], a[1] + b[1], Math.max(a[2], b[2])});
  }

  // ---------------------------------------------------------------- insert and eviction

  /** One entry to insert. */
  public record NewEntry(float[] feature, StoredResult result, long computeNanos, String origin) {}

  /**
   * Inserts an entry and evicts down to capacity in the same transaction. Returns its id, or -1 when it could
   * not be stored (larger than the whole capacity, or the map is full even after eviction): a cache that cannot
   * keep an entry must never fail the inference that produced it.
   */
  public long insert(Namespace ns, float[] feature, StoredResult result, long computeNanos, String origin) {
    long[] ids = insertAll(ns, List.of(new NewEntry(feature, result, computeNanos, origin)));
    return ids[0];
  }

  /** Inserts entries in one transaction (bulk loading); ids in order, -1 for any that could not be stored. */
  public long[] insertAll(Namespace ns, List<NewEntry> batch) {
    checkOpen();
    for (NewEntry e : batch) {
      if (e.feature().length != ns.dim()) {
        throw EdgewiseException.invalidArgument("reuse insert into " + ns + ": feature has " + e.feature().length
            + " values");
      }
    }
    try {
      return write(txn -> {
        long[] ids = new long[batch.size()];
        long now = options.clockMillis().getAsLong();
        long total = getLong(txn, TOTAL_BYTES);
        long next = getLong(txn, NEXT_ID);
        for (int i = 0; i < batch.size(); i++) {
          NewEntry e = batch.get(i);
          Scratch scratch = SCRATCH.get();
          ByteBuffer value = EntryCodec.encode(scratch.value(EntryCodec.encodedSize(ns.dim(), ns.featureType(),
              e.result(), e.origin())), e.feature(), ns.featureType(), e.result(), now, e.computeNanos(), e.origin());
          long[] codes = ns.lsh().codes(e.feature());
          int size = ENTRY_KEY + value.remaining() + 8 + StatsRecord.size(codes.length) + INDEX_KEY * codes.length;
          if (size > options.capacityBytes()) {
            ids[i] = -1;
            failedInserts.incrementAndGet();
            continue;
          }
          long id = next++;
          entries.put(txn, entryKey(scratch.entryKey, ns.id(), id), value);
          ByteBuffer ikey = scratch.indexKey;
          ByteBuffer empty = scratch.empty;
          for (int t = 0; t < codes.length; t++) {
            ikey.clear();
            ikey.putLong(ns.id()).put((byte) t).putLong(codes[t]).putLong(id).flip();
            index.put(txn, ikey, empty);
          }
          stats.put(txn, idKey(id), new StatsRecord(ns.id(), now, 0, 0, 0, e.computeNanos(), size, codes).encode());
          total += size;
          ids[i] = id;
        }
        putLong(txn, NEXT_ID, next);
        putLong(txn, TOTAL_BYTES, total);
        guardMapAtMaximum(total);
        long capacity = effectiveCapacity();
        if (total > capacity) {
          evictTo(txn, (long) (capacity * LOW_WATER), now);
        }
        return ids;
      });
    } catch (EdgewiseException e) {
      if (e.code() != ErrorCode.RESOURCE_EXHAUSTED) {
        throw e;
      }
      LOG.warn("reuse store {}: {} entries not stored: {}", dir, batch.size(), e.getMessage());
      failedInserts.addAndGet(batch.size());
      long[] none = new long[batch.size()];
      java.util.Arrays.fill(none, -1);
      return none;
    } finally {
      inserts.addAndGet(batch.size());
    }
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
    var info = env.info();
    if (info.mapSize >= options.maxMapBytes() && (info.lastPageNumber + 1) * pageSize > 0.5 * info.mapSize) {
      mapLimitedCapacity = Math.max(4096, total / 2);
      LOG.info("reuse store {}: the map is half full at its maximum size {}; keeping at most {} bytes of entries", dir,
          info.mapSize, mapLimitedCapacity);
    }
  }

  private long effectiveCapacity() {
    return Math.min(options.capacityBytes(), mapLimitedCapacity);
  }

  /** Evicts sampled lowest-scored entries until the byte total is at most {@code target}. */
  private void evictTo(Txn<ByteBuffer> txn, long target, long now) {
    long total = getLong(txn, TOTAL_BYTES);
    try (Cursor<ByteBuffer> cursor = stats.openCursor(txn)) {
      while (total > target) {
        if (!cursor.first()) {
          break;
        }
        long first = cursor.key().order(ByteOrder.BIG_ENDIAN).getLong(0);
        cursor.last();
        long last = cursor.key().order(ByteOrder.BIG_ENDIAN).getLong(0);
        Map<Long, StatsRecord> sample = new HashMap<>();
        for (int s = 0; s < EVICTION_SAMPLE; s++) {
          long probe = first + (last > first ? random.nextLong(last - first + 1) : 0);
          if (cursor.get(idKey(probe), GetOp.MDB_SET_RANGE)) {
            sample.putIfAbsent(cursor.key().order(ByteOrder.BIG_ENDIAN).getLong(0), StatsRecord.decode(cursor.val()));
          }
        }
        List<Map.Entry<Long, StatsRecord>> ranked = new ArrayList<>(sample.entrySet());
        ranked.sort(Comparator.comparingDouble(e -> score(e.getValue(), now)));
        int quota = Math.max(1, ranked.size() / 4);
        for (int i = 0; i < quota && total > target; i++) {
          total -= remove(txn, ranked.get(i).getKey(), ranked.get(i).getValue());
        }
      }
    }
    putLong(txn, TOTAL_BYTES, Math.max(0, total));
  }

  private double score(StatsRecord r, long now) {
    return options.eviction().score(r.hits, r.compute, r.size, Math.max(r.created, r.lastHit), now,
        options.halfLifeMillis());
  }

  private int remove(Txn<ByteBuffer> txn, long id, StatsRecord r) {
    entries.delete(txn, entryKey(SCRATCH.get().entryKey, r.ns, id));
    ByteBuffer ikey = SCRATCH.get().indexKey;
    for (int t = 0; t < r.codes.length; t++) {
      ikey.clear();
      ikey.putLong(r.ns).put((byte) t).putLong(r.codes[t]).putLong(id).flip();
      index.delete(txn, ikey);
    }
    stats.delete(txn, idKey(id));
    pendingHits.remove(id);
    evictions.incrementAndGet();
    return r.size;
  }

  /** Writes pending hit counts now (and syncs the file when commits do not). */
  public void flush() {
    checkOpen();
    if (!pendingHits.isEmpty()) {
      write(txn -> null);
    }
    envLock.readLock().lock();
    try {
      env.sync(true);
    } finally {
      envLock.readLock().unlock();
    }
  }

  /** Removes every entry, namespace and blob. */
  public void clear() {
    checkOpen();
    pendingHits.clear();
    write(txn -> {
      entries.drop(txn);
      index.drop(txn);
      stats.drop(txn);
      meta.drop(txn);
      return null;
    });
    namespaces.clear();
  }

  // ---------------------------------------------------------------- blobs (calibration state)

  /** Stores a small named blob (a namespace's calibration) in the same environment. */
  public void putBlob(String name, byte[] data) {
    checkOpen();
    write(txn -> {
      ByteBuffer v = ByteBuffer.allocateDirect(Math.max(1, data.length));
      v.put(data).flip();
      meta.put(txn, metaKey("blob:" + name), v);
      return null;
    });
  }

  public Optional<byte[]> getBlob(String name) {
    checkOpen();
    envLock.readLock().lock();
    try (Txn<ByteBuffer> txn = env.txnRead()) {
      ByteBuffer v = meta.get(txn, metaKey("blob:" + name));
      if (v == null) {
        return Optional.empty();
      }
      byte[] b = new byte[v.remaining()];
      v.duplicate().get(b);
      return Optional.of(b);
    } finally {
      envLock.readLock().unlock();
    }
  }

  // ---------------------------------------------------------------- statistics

  public ReuseStats stats() {
    checkOpen();
    envLock.readLock().lock();
    try (Txn<ByteBuffer> txn = env.txnRead(); Cursor<ByteBuffer> c = stats.openCursor(txn)) {
      long count = 0;
      long hits = 0;
      long saved = 0;
      Map<Long, Long> perNs = new HashMap<>();
      for (boolean ok = c.first(); ok; ok = c.next()) {
        StatsRecord r = StatsRecord.decode(c.val());
        count++;
        hits += r.hits;
        saved += r.saved;
        perNs.merge(r.ns, 1L, Long::sum);
      }
      for (long[] p : pendingHits.values()) {
        hits += p[0];
        saved += p[1];
      }
      List<ReuseStats.NamespaceStats> nss = new ArrayList<>();
      for (Namespace ns : namespaces.values()) {
        nss.add(new ReuseStats.NamespaceStats(Long.toHexString(ns.id()), ns.modelHash(), ns.tap(), ns.dim(),
            ns.featureType().name(), perNs.getOrDefault(ns.id(), 0L)));
      }
      return new ReuseStats(count, getLong(txn, TOTAL_BYTES), options.capacityBytes(), onDiskBytes(),
          env.info().mapSize, hits, saved, options.eviction(), nss, lookups.get(), inserts.get(), evictions.get(),
          mapGrowths.get(), failedInserts.get());
    } finally {
      envLock.readLock().unlock();
    }
  }

  /** Bytes the store's files take on disk (allocated blocks, so a sparse map file counts what it holds). */
  public long onDiskBytes() {
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

  // ---------------------------------------------------------------- the write path

  private interface WriteOp<T> {
    T apply(Txn<ByteBuffer> txn);
  }

  /**
   * Runs one write transaction: pending hits first, then the operation. MDB_MAP_FULL aborts it; the map then
   * doubles (up to maxMapBytes) or, at the maximum, a separate transaction evicts half of the entries' bytes,
   * and the operation runs again.
   */
  private <T> T write(WriteOp<T> op) {
    writer.lock();
    try {
      for (int attempt = 0; ; attempt++) {
        Map<Long, long[]> hits = drainPendingHits();
        envLock.readLock().lock();
        try (Txn<ByteBuffer> txn = env.txnWrite()) {
          applyHits(txn, hits);
          T result = op.apply(txn);
          txn.commit();
          return result;
        } catch (Env.MapFullException e) {
          hits.forEach((id, h) -> pendingHits.merge(id, h,
              (a, b) -> new long[] {a[0] + b[0], a[1] + b[1], Math.max(a[2], b[2])}));
        } catch (LmdbException e) {
          throw new EdgewiseException(ErrorCode.IO, "reuse store " + dir + ": LMDB write failed: " + e, e);
        } finally {
          envLock.readLock().unlock();
        }
        if (attempt >= 6) {
          throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, "reuse store " + dir + ": the LMDB map stays "
              + "full after growing to " + options.maxMapBytes() + " bytes and evicting");
        }
        relieveMapFull();
      }
    } finally {
      writer.unlock();
    }
  }

  private void relieveMapFull() {
    long size = env.info().mapSize;
    if (size < options.maxMapBytes()) {
      long grown = Math.min(options.maxMapBytes(), size * 2);
      envLock.writeLock().lock();
      try {
        env.setMapSize(grown);
      } finally {
        envLock.writeLock().unlock();
      }
      mapGrowths.incrementAndGet();
      LOG.info("reuse store {}: MDB_MAP_FULL, map grown from {} to {} bytes", dir, size, grown);
      return;
    }
    envLock.readLock().lock();
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      // the map holds about what is stored now: from here on the store keeps half of that (B-tree pages and
      // copy-on-write need the rest), evicting with every insert as it would at its byte capacity
      long total = getLong(txn, TOTAL_BYTES);
      mapLimitedCapacity = Math.max(4096, Math.min(mapLimitedCapacity, total / 2));
      LOG.info("reuse store {}: MDB_MAP_FULL at the maximum map size {}; keeping at most {} bytes of entries", dir,
          size, mapLimitedCapacity);
      evictTo(txn, (long) (mapLimitedCapacity * LOW_WATER), options.clockMillis().getAsLong());
      txn.commit();
    } catch (Env.MapFullException e) {
      throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, "reuse store " + dir + ": the LMDB map is full "
          + "and even evicting needs more room; raise maxMapBytes", e);
    } finally {
      envLock.readLock().unlock();
    }
  }

  private Map<Long, long[]> drainPendingHits() {
    Map<Long, long[]> drained = new HashMap<>();
    for (Long id : new ArrayList<>(pendingHits.keySet())) {
      long[] h = pendingHits.remove(id);
      if (h != null) {
        drained.put(id, h);
      }
    }
    return drained;
  }

  private void applyHits(Txn<ByteBuffer> txn, Map<Long, long[]> hits) {
    for (Map.Entry<Long, long[]> e : hits.entrySet()) {
      ByteBuffer key = idKey(e.getKey());
      ByteBuffer v = stats.get(txn, key);
      if (v == null) {
        continue; // evicted meanwhile
      }
      StatsRecord r = StatsRecord.decode(v);
      long[] h = e.getValue();
      stats.put(txn, key, new StatsRecord(r.ns, r.created, Math.max(r.lastHit, h[2]), r.hits + h[0], r.saved + h[1],
          r.compute, r.size, r.codes).encode());
    }
  }

  // ---------------------------------------------------------------- keys, counters, namespaces

  private void loadNamespaces() {
    envLock.readLock().lock();
    try (Txn<ByteBuffer> txn = env.txnRead(); Cursor<ByteBuffer> c = meta.openCursor(txn)) {
      ByteBuffer prefix = metaKey("ns:");
      if (!c.get(prefix, GetOp.MDB_SET_RANGE)) {
        return;
      }
      do {
        ByteBuffer k = c.key();
        byte[] kb = new byte[k.remaining()];
        k.duplicate().get(kb);
        String key = new String(kb, StandardCharsets.UTF_8);
        if (!key.startsWith("ns:")) {
          break;
        }
        Namespace ns = decodeNamespace(c.val());
        namespaces.putIfAbsent(ns.id(), ns);
      } while (c.next());
    } finally {
      envLock.readLock().unlock();
    }
  }

  private static ByteBuffer encodeNamespace(Namespace ns) {
    byte[] model = utf8(ns.modelHash());
    byte[] tap = utf8(ns.tap());
    ByteBuffer b = ByteBuffer.allocateDirect(8 + 4 + model.length + 4 + tap.length + 4 + 1 + 4 + 8)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(ns.id()).putInt(model.length).put(model).putInt(tap.length).put(tap).putInt(ns.dim())
        .put((byte) ns.featureType().ordinal()).putInt(ns.lsh().tables()).putDouble(ns.lsh().baseWidth());
    return b.flip();
  }

  private static Namespace decodeNamespace(ByteBuffer value) {
    ByteBuffer b = value.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    long id = b.getLong();
    byte[] model = new byte[b.getInt()];
    b.get(model);
    byte[] tap = new byte[b.getInt()];
    b.get(tap);
    int dim = b.getInt();
    FeatureType type = FeatureType.values()[b.get()];
    int tables = b.getInt();
    double width = b.getDouble();
    return new Namespace(id, new String(model, StandardCharsets.UTF_8), new String(tap, StandardCharsets.UTF_8), dim,
        type, new AdaptiveLsh(tables, dim, width, id));
  }

  static long namespaceId(String modelHash, String tap) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(utf8(modelHash + "\n" + tap));
      return ByteBuffer.wrap(h).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static ByteBuffer entryKey(ByteBuffer key, long ns, long id) {
    key.clear();
    return key.putLong(ns).putLong(id).flip();
  }

  private static ByteBuffer idKey(long id) {
    return SCRATCH.get().idKey.clear().putLong(id).flip();
  }

  private static ByteBuffer metaKey(String name) {
    byte[] b = utf8(name);
    return ByteBuffer.allocateDirect(b.length).put(b).flip();
  }

  private static ByteBuffer bytesKey(byte[] b) {
    return SCRATCH.get().metaKey(b);
  }

  private long getLong(Txn<ByteBuffer> txn, byte[] name) {
    ByteBuffer v = meta.get(txn, bytesKey(name));
    return v == null ? 0 : v.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong(0);
  }

  private void putLong(Txn<ByteBuffer> txn, byte[] name, long value) {
    meta.put(txn, bytesKey(name), SCRATCH.get().counter.clear().putLong(value).flip());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  private void checkOpen() {
    if (closed) {
      throw EdgewiseException.invalidArgument("reuse store " + dir + " is closed");
    }
  }

  /** Writes pending hits, syncs and closes the environment; calls after close() throw. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    try {
      flush();
    } finally {
      closed = true;
      envLock.writeLock().lock();
      try {
        env.close();
      } finally {
        envLock.writeLock().unlock();
      }
    }
  }

  /**
   * Per-thread direct buffers for keys and values: allocating direct buffers per call makes the JDK's direct-memory
   * accounting call System.gc() now and then, which showed as 10+ ms spikes in lookup p99.
   */
  private static final class Scratch {
    final ByteBuffer indexKey = ByteBuffer.allocateDirect(INDEX_KEY);
    final ByteBuffer entryKey = ByteBuffer.allocateDirect(ENTRY_KEY);
    final ByteBuffer idKey = ByteBuffer.allocateDirect(8);
    final ByteBuffer empty = ByteBuffer.allocateDirect(0);
    final ByteBuffer counter = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN);
    final ByteBuffer stats = ByteBuffer.allocateDirect(StatsRecord.size(64)).order(ByteOrder.LITTLE_ENDIAN);
    private ByteBuffer value = ByteBuffer.allocateDirect(4096);
    private final ByteBuffer metaKey = ByteBuffer.allocateDirect(64);

    ByteBuffer metaKey(byte[] name) {
      return name.length <= metaKey.capacity() ? metaKey.clear().put(name).flip()
          : ByteBuffer.allocateDirect(name.length).put(name).flip();
    }

    ByteBuffer value(int size) {
      if (value.capacity() < size) {
        value = ByteBuffer.allocateDirect(Math.max(size, value.capacity() * 2));
      }
      return value;
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** An entry's statistics row: small, so a hit rewrites only this. */
  private record StatsRecord(long ns, long created, long lastHit, long hits, long saved, long compute, int size,
      long[] codes) {
    static int size(int tables) {
      return 8 * 6 + 4 + 1 + 8 * tables;
    }

    ByteBuffer encode() {
      ByteBuffer b = SCRATCH.get().stats.clear();
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
}

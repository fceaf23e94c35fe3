package io.edgewise.reuse;

import io.edgewise.EdgewiseException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

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
 *
 * <p>This class is the facade: it checks the store's {@link State} and arguments and hands each operation to the
 * part that does it ({@link StoreEnv}, {@link NamespaceRegistry}, {@link NeighbourSearch}, {@link StoreWriter},
 * {@link Evictor}, {@link PendingHits}, {@link StoreStatistics}). An operation other than close() called when the
 * store is not {@link State#OPEN} throws an {@link EdgewiseException} naming the state.
 */
public final class ReuseStore implements AutoCloseable {
  /** Where a store is in its life. */
  public enum State {
    /** Open: every operation may run. */
    OPEN,
    /** close() is writing pending hits and syncing; operations are refused. */
    CLOSING,
    /** Closed: the LMDB environment is released; operations are refused, close() does nothing. */
    CLOSED
  }

  /** One entry to insert. */
  public record NewEntry(float[] feature, StoredResult result, long computeNanos, String origin) {}

  private final Path dir;
  private final ReuseStoreOptions options;
  private final StoreLifecycle lifecycle;
  private final StoreEnv env;
  private final MetaTable meta;
  private final PendingHits pendingHits = new PendingHits();
  private final StoreStatistics statistics = new StoreStatistics();
  private final NeighbourSearch search;
  private final StoreWriter writer;
  private final NamespaceRegistry namespaces;

  private ReuseStore(Path dir, ReuseStoreOptions options, StoreLifecycle lifecycle, StoreEnv env) {
    this.dir = dir;
    this.options = options;
    this.lifecycle = lifecycle;
    this.env = env;
    this.meta = new MetaTable(env.meta);
    LshIndex index = new LshIndex(env.index);
    this.search = new NeighbourSearch(env, index, options);
    Evictor evictor = new Evictor(env, meta, index, pendingHits, statistics, options);
    this.writer = new StoreWriter(env, meta, index, pendingHits, evictor, statistics, options);
    this.namespaces = new NamespaceRegistry(env, meta, writer, options);
  }

  /** Opens (creating if needed) the store in a directory. */
  public static ReuseStore open(Path dir, ReuseStoreOptions options) {
    StoreLifecycle lifecycle = new StoreLifecycle("reuse store " + dir);
    StoreEnv env = StoreEnv.open(dir, options, lifecycle);
    ReuseStore store = new ReuseStore(dir, options, lifecycle, env);
    store.namespaces.load();
    return store;
  }

  public Path directory() {
    return dir;
  }

  public ReuseStoreOptions options() {
    return options;
  }

  /** Where the store is in its life: OPEN until close(), CLOSING during it, CLOSED after. */
  public State state() {
    return lifecycle.state();
  }

  // ---------------------------------------------------------------- namespaces

  /** The namespace of (model, tap) if it exists. */
  public Optional<Namespace> findNamespace(String modelHash, String tap) {
    return namespaces.find(modelHash, tap);
  }

  public List<Namespace> namespaces() {
    return namespaces.all();
  }

  /**
   * The namespace of (model, tap), created on first use: its A-LSH base width is set from the example feature's
   * norm (1/1024 of it: the 16-bit cells then span about +-32 norms, and levels widen buckets up to 32x the norm).
   */
  public Namespace namespace(String modelHash, String tap, float[] example) {
    lifecycle.checkReady("namespace()");
    return namespaces.getOrCreate(modelHash, tap, example);
  }

  // ---------------------------------------------------------------- lookup

  /**
   * The k nearest stored entries of the namespace, by A-LSH: starting one level below where recent lookups
   * stopped, each level scans the query's bucket in every table (at most {@code candidates} keys per table) and
   * widens the buckets until the target number of distinct candidates is reached; their exact distances decide.
   */
  public Neighbours nearest(Namespace ns, float[] q, int k) {
    lifecycle.checkReady("nearest()");
    if (q.length != ns.dim()) {
      throw EdgewiseException.invalidArgument("reuse lookup in " + ns + ": query has " + q.length + " values");
    }
    statistics.lookups.incrementAndGet();
    return search.nearest(ns, q, k);
  }

  /** The entry with its statistics, or empty when it is not (or no longer) stored. */
  public Optional<ReuseEntry> get(Namespace ns, long id) {
    lifecycle.checkReady("get()");
    return env.read(txn -> {
      // lmdbjava reuses one value buffer per transaction: decode each value before the next get
      ByteBuffer s = env.stats.get(txn, StoreKeys.idKey(id));
      StatsRecord r = s == null ? null : StatsRecord.decode(s);
      ByteBuffer v = env.entries.get(txn, StoreKeys.entryKey(Scratch.get().entryKey, ns.id(), id));
      if (v == null) {
        return Optional.empty();
      }
      PendingHits.Hit pending = pendingHits.of(id);
      long hits = (r == null ? 0 : r.hits()) + (pending == null ? 0 : pending.hits());
      long saved = (r == null ? 0 : r.saved()) + (pending == null ? 0 : pending.savedNanos());
      long last = Math.max(r == null ? 0 : r.lastHit(), pending == null ? 0 : pending.lastHitMillis());
      return Optional.of(EntryCodec.decode(v, id, last, hits, saved));
    });
  }

  /** Counts a hit of an entry; written with the next write transaction (or flush()). */
  public void recordHit(long id, long savedNanos) {
    pendingHits.record(id, savedNanos, options.clockMillis().getAsLong());
  }

  // ---------------------------------------------------------------- insert and eviction

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
    lifecycle.checkReady("insertAll()");
    for (NewEntry e : batch) {
      if (e.feature().length != ns.dim()) {
        throw EdgewiseException.invalidArgument("reuse insert into " + ns + ": feature has " + e.feature().length
            + " values");
      }
    }
    return writer.insertAll(ns, batch);
  }

  /** Writes pending hit counts now (and syncs the file when commits do not). */
  public void flush() {
    lifecycle.checkReady("flush()");
    writePendingAndSync();
  }

  private void writePendingAndSync() {
    if (!pendingHits.isEmpty()) {
      writer.write(txn -> null);
    }
    env.sync();
  }

  /** Removes every entry, namespace and blob. */
  public void clear() {
    lifecycle.checkReady("clear()");
    pendingHits.clear();
    writer.write(txn -> {
      env.dropAll(txn);
      return null;
    });
    namespaces.clear();
  }

  // ---------------------------------------------------------------- blobs (calibration state)

  /** Stores a small named blob (a namespace's calibration) in the same environment. */
  public void putBlob(String name, byte[] data) {
    lifecycle.checkReady("putBlob()");
    writer.write(txn -> {
      meta.putBlob(txn, name, data);
      return null;
    });
  }

  public Optional<byte[]> getBlob(String name) {
    lifecycle.checkReady("getBlob()");
    return env.read(txn -> meta.blob(txn, name));
  }

  // ---------------------------------------------------------------- statistics

  public ReuseStats stats() {
    lifecycle.checkReady("stats()");
    return statistics.snapshot(env, meta, pendingHits, namespaces.all(), options);
  }

  /** Bytes the store's files take on disk (allocated blocks, so a sparse map file counts what it holds). */
  public long onDiskBytes() {
    return StoreStatistics.onDiskBytes(dir);
  }

  /** Writes pending hits, syncs and closes the environment; calls after close() throw. */
  @Override
  public void close() {
    if (!lifecycle.beginClose()) {
      return;
    }
    try {
      writePendingAndSync();
    } finally {
      lifecycle.closed();
      env.close();
    }
  }
}

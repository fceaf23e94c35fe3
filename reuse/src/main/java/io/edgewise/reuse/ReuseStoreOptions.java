package io.edgewise.reuse;

import io.edgewise.EdgewiseException;
import java.util.function.LongSupplier;

/**
 * How a reuse store is bounded and indexed. Immutable; with* return a modified copy.
 *
 * @param capacityBytes bytes of entries (values, index keys, statistics) kept before eviction starts
 * @param eviction which entries leave first over capacity
 * @param tables independent LSH tables (more find more true neighbours, cost one range scan each)
 * @param candidates how many candidates a lookup aims to inspect (A-LSH widens buckets until it has them)
 * @param featureType fp16 or fp32 storage of feature vectors
 * @param initialMapBytes LMDB map size at open; MDB_MAP_FULL doubles it up to maxMapBytes
 * @param maxMapBytes the largest map the store grows to; beyond it, MDB_MAP_FULL evicts instead
 * @param syncOnCommit fsync every commit (survives power loss); off, commits survive a process crash (the OS
 *     still holds the pages) and the store syncs on flush() and close()
 * @param halfLifeMillis aging of the importance score
 * @param clockMillis the store's clock (a logical clock in benchmarks and tests)
 */
public record ReuseStoreOptions(long capacityBytes, EvictionPolicy eviction, int tables, int candidates,
    FeatureType featureType, long initialMapBytes, long maxMapBytes, boolean syncOnCommit, long halfLifeMillis,
    LongSupplier clockMillis) {

  public ReuseStoreOptions {
    if (capacityBytes < 4096) {
      throw EdgewiseException.invalidArgument("reuse store capacity must be >= 4096 bytes, got " + capacityBytes);
    }
    if (tables < 1 || tables > 32) {
      throw EdgewiseException.invalidArgument("reuse store tables must be in 1..32, got " + tables);
    }
    if (candidates < 1) {
      throw EdgewiseException.invalidArgument("reuse store candidates must be >= 1, got " + candidates);
    }
    if (initialMapBytes < 1 << 16 || maxMapBytes < initialMapBytes) {
      throw EdgewiseException.invalidArgument("reuse store map sizes must satisfy 64 KiB <= initial <= max, got "
          + initialMapBytes + " and " + maxMapBytes);
    }
    if (halfLifeMillis < 1) {
      throw EdgewiseException.invalidArgument("reuse store half-life must be >= 1 ms, got " + halfLifeMillis);
    }
  }

  /** 256 MiB capacity, importance eviction, 6 tables, 32 candidates, fp16 features. */
  public static ReuseStoreOptions defaults() {
    return withCapacity(256L << 20);
  }

  private static ReuseStoreOptions withCapacity(long capacity) {
    return new ReuseStoreOptions(capacity, EvictionPolicy.IMPORTANCE, 6, 32, FeatureType.F16,
        Math.min(capacity * 2 + (16L << 20), 1L << 40), Math.min(capacity * 16 + (64L << 20), 1L << 42), false,
        600_000, System::currentTimeMillis);
  }

  /** Sets the capacity and scales the map sizes with it (2x + 16 MiB at first, up to 16x + 64 MiB). */
  public ReuseStoreOptions withCapacityBytes(long capacity) {
    ReuseStoreOptions d = withCapacity(Math.max(4096, capacity));
    return new ReuseStoreOptions(capacity, eviction, tables, candidates, featureType, d.initialMapBytes,
        d.maxMapBytes, syncOnCommit, halfLifeMillis, clockMillis);
  }

  public ReuseStoreOptions withEviction(EvictionPolicy p) {
    return new ReuseStoreOptions(capacityBytes, p, tables, candidates, featureType, initialMapBytes, maxMapBytes,
        syncOnCommit, halfLifeMillis, clockMillis);
  }

  public ReuseStoreOptions withTables(int t) {
    return new ReuseStoreOptions(capacityBytes, eviction, t, candidates, featureType, initialMapBytes, maxMapBytes,
        syncOnCommit, halfLifeMillis, clockMillis);
  }

  public ReuseStoreOptions withCandidates(int c) {
    return new ReuseStoreOptions(capacityBytes, eviction, tables, c, featureType, initialMapBytes, maxMapBytes,
        syncOnCommit, halfLifeMillis, clockMillis);
  }

  public ReuseStoreOptions withFeatureType(FeatureType f) {
    return new ReuseStoreOptions(capacityBytes, eviction, tables, candidates, f, initialMapBytes, maxMapBytes,
        syncOnCommit, halfLifeMillis, clockMillis);
  }

  public ReuseStoreOptions withMapBytes(long initial, long max) {
    return new ReuseStoreOptions(capacityBytes, eviction, tables, candidates, featureType, initial, max,
        syncOnCommit, halfLifeMillis, clockMillis);
  }

  public ReuseStoreOptions withSyncOnCommit(boolean s) {
    return new ReuseStoreOptions(capacityBytes, eviction, tables, candidates, featureType, initialMapBytes,
        maxMapBytes, s, halfLifeMillis, clockMillis);
  }

  public ReuseStoreOptions withHalfLifeMillis(long h) {
    return new ReuseStoreOptions(capacityBytes, eviction, tables, candidates, featureType, initialMapBytes,
        maxMapBytes, syncOnCommit, h, clockMillis);
  }

  public ReuseStoreOptions withClock(LongSupplier c) {
    return new ReuseStoreOptions(capacityBytes, eviction, tables, candidates, featureType, initialMapBytes,
        maxMapBytes, syncOnCommit, halfLifeMillis, c);
  }
}

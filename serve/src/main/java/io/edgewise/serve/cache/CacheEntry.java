package io.edgewise.serve.cache;

/**
 * What a policy knows of one cached model version: its key ("name/version"), when it was last asked for and how
 * often (in accesses of the whole cache, a logical clock), its measured size and its load cost (an exponential moving
 * average of its measured load times). It outlives evictions, so a model that comes back is known. The repository
 * updates it under its lock; policies only read it.
 */
public final class CacheEntry {
  /**
   * The weight of a new load time in the load cost's moving average. One load is a noisy sample on a shared machine
   * (the first load of a model in a process pays class loading, JIT and a cold page cache: 2-5x the later ones), so
   * one sample must not decide the cost alone; at 0.5 the first load's excess halves with each reload.
   */
  public static final double LOAD_COST_EMA = 0.5;

  private final String key;
  private long lastAccess = -1;
  private long firstAccess = -1;
  private long accesses;
  /** Exponentially decayed access count at {@link #decayedAt}. */
  private double decayed;
  private long decayedAt;
  private long sizeBytes;
  private double loadSeconds;
  private long loads;

  public CacheEntry(String key) {
    this.key = key;
  }

  /** For tests and simulations: an entry with the given figures. */
  public static CacheEntry of(String key, long sizeBytes, double loadSeconds) {
    CacheEntry e = new CacheEntry(key);
    e.sizeBytes = sizeBytes;
    e.loadSeconds = loadSeconds;
    e.loads = 1;
    return e;
  }

  public String key() {
    return key;
  }

  /** Counts an access at logical time {@code clock}; the decayed count halves every {@code halfLife} accesses. */
  public void accessed(long clock, double halfLife) {
    if (accesses == 0) {
      firstAccess = clock;
    }
    decayed = popularity(clock, halfLife) + 1;
    decayedAt = clock;
    lastAccess = clock;
    accesses++;
  }

  /** The access count decayed to {@code clock}: recent accesses weigh 1, one half-life ago 1/2. */
  public double popularity(long clock, double halfLife) {
    if (accesses == 0) {
      return 0;
    }
    return decayed * Math.pow(0.5, Math.max(0, clock - decayedAt) / halfLife);
  }

  /** The logical time of its first access, or -1 before it. */
  public long firstAccess() {
    return firstAccess;
  }

  public long lastAccess() {
    return lastAccess;
  }

  public long accesses() {
    return accesses;
  }

  public long sizeBytes() {
    return sizeBytes;
  }

  public void sizeBytes(long bytes) {
    sizeBytes = bytes;
  }

  /** The expected cost of loading it again on this machine: the moving average of its measured load times. */
  public double loadSeconds() {
    return loadSeconds;
  }

  /** A measured load: folded into the load cost (the first one sets it; later ones move it by {@code weight}). */
  public void observeLoad(double seconds, double weight) {
    loadSeconds = loads == 0 ? seconds : loadSeconds + weight * (seconds - loadSeconds);
    loads++;
  }

  /** How many loads were measured. */
  public long loads() {
    return loads;
  }

  @Override
  public String toString() {
    return key + "(size " + sizeBytes + ", load " + loadSeconds + " s, last " + lastAccess + ", n " + accesses + ")";
  }
}

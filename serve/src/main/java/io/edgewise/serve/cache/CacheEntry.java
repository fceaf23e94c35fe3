package io.edgewise.serve.cache;

/**
 * What a policy knows of one cached model version: its key ("name/version"), when it was last asked for and how
 * often (in accesses of the whole cache, a logical clock), its measured size and its measured load time. The
 * repository updates it under its lock; policies only read it.
 */
public final class CacheEntry {
  private final String key;
  private long lastAccess = -1;
  private long accesses;
  /** Exponentially decayed access count at {@link #decayedAt}. */
  private double decayed;
  private long decayedAt;
  private long sizeBytes;
  private double loadSeconds;

  public CacheEntry(String key) {
    this.key = key;
  }

  /** For tests and simulations: an entry with the given figures. */
  public static CacheEntry of(String key, long sizeBytes, double loadSeconds) {
    CacheEntry e = new CacheEntry(key);
    e.sizeBytes = sizeBytes;
    e.loadSeconds = loadSeconds;
    return e;
  }

  public String key() {
    return key;
  }

  /** Counts an access at logical time {@code clock}; the decayed count halves every {@code halfLife} accesses. */
  public void accessed(long clock, double halfLife) {
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

  public double loadSeconds() {
    return loadSeconds;
  }

  /** The last load's measured time (the cost of loading it again on this machine). */
  public void loadSeconds(double seconds) {
    loadSeconds = seconds;
  }

  @Override
  public String toString() {
    return key + "(size " + sizeBytes + ", load " + loadSeconds + " s, last " + lastAccess + ", n " + accesses + ")";
  }
}

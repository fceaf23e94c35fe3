package io.edgewise.reuse;

import java.util.List;

/**
 * A snapshot of a store. Every figure is read from the store itself (entries, bytes) or counted in this process
 * since it opened the store (lookups, inserts, evictions, map growths).
 */
public record ReuseStats(long entries, long entryBytes, long capacityBytes, long onDiskBytes, long mapBytes,
    long totalHits, long savedNanos, EvictionPolicy eviction, List<NamespaceStats> namespaces, long lookups,
    long inserts, long evictions, long mapGrowths, long failedInserts) {

  /** Entries per namespace. */
  public record NamespaceStats(String id, String modelHash, String tap, int dim, String featureType, long entries) {}
}

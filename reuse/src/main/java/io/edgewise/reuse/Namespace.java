package io.edgewise.reuse;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The entries of one (model content hash, tap point) pair: features of one dimension, hashed by one A-LSH. Its
 * id is the first 8 bytes of sha256(model hash, tap) and prefixes every key of its entries.
 */
public final class Namespace {
  private final long id;
  private final String modelHash;
  private final String tap;
  private final int dim;
  private final FeatureType featureType;
  private final AdaptiveLsh lsh;
  /** The A-LSH level where recent lookups found enough candidates; the next lookup starts just below it. */
  final AtomicInteger levelHint = new AtomicInteger(0);

  Namespace(long id, String modelHash, String tap, int dim, FeatureType featureType, AdaptiveLsh lsh) {
    this.id = id;
    this.modelHash = modelHash;
    this.tap = tap;
    this.dim = dim;
    this.featureType = featureType;
    this.lsh = lsh;
  }

  public long id() {
    return id;
  }

  public String modelHash() {
    return modelHash;
  }

  public String tap() {
    return tap;
  }

  public int dim() {
    return dim;
  }

  public FeatureType featureType() {
    return featureType;
  }

  AdaptiveLsh lsh() {
    return lsh;
  }

  @Override
  public String toString() {
    return "namespace " + Long.toHexString(id) + " (model " + modelHash.substring(0, Math.min(12, modelHash.length()))
        + ", tap '" + tap + "', dim " + dim + ", " + featureType + ")";
  }
}

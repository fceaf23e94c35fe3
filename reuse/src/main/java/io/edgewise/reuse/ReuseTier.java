package io.edgewise.reuse;

import java.util.Optional;

/**
 * One level of FoggyCache's two-level cache (Guo et al., MobiCom 2018): a store that answers reuse
 * lookups, either this device's own ({@link LocalReuseTier}) or a peer's, reached through the peer protocol's
 * REUSE_LOOKUP / REUSE_RESULT messages (the peer answers with its own {@link LocalReuseTier#lookup}). A tier
 * decides reuse itself with its H-kNN rule and answers with the entry's origin so that accuracy can be tracked
 * per origin.
 */
public interface ReuseTier {
  /** A short name for metrics and results: "local", a peer's address. */
  String name();

  /** A result to reuse for the query, or empty (no confident neighbour, unknown model or tap). */
  Optional<ReuseHit> lookup(ReuseQuery query);

  /** Told when a hit it gave was used, so the tier can count it for eviction. */
  default void hitUsed(ReuseHit hit) {}
}

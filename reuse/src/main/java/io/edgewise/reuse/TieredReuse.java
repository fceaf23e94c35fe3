package io.edgewise.reuse;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FoggyCache's two-level lookup (Guo et al., MobiCom 2018): ask the tiers in order (a peer's store
 * first, then this device's own) and take the first confident answer. A tier that fails (a peer down, a timeout)
 * counts as a miss: reuse is an optimization and never fails the request. Accuracy is tracked per origin.
 */
public final class TieredReuse {
  private static final Logger LOG = LoggerFactory.getLogger(TieredReuse.class);

  private final List<ReuseTier> tiers;
  private final OriginAccuracy accuracy = new OriginAccuracy();
  private final LongAdder tierFailures = new LongAdder();

  public TieredReuse(List<ReuseTier> tiers) {
    this.tiers = List.copyOf(tiers);
  }

  public List<ReuseTier> tiers() {
    return tiers;
  }

  /** The first tier's hit, in order; empty when no tier is confident. */
  public Optional<ReuseHit> lookup(ReuseQuery query) {
    for (ReuseTier tier : tiers) {
      Optional<ReuseHit> hit = lookupOne(tier, query);
      if (hit.isPresent()) {
        return hit;
      }
    }
    return Optional.empty();
  }

  /** One tier's answer; its failure is a miss (logged and counted). */
  Optional<ReuseHit> lookupOne(ReuseTier tier, ReuseQuery query) {
    try {
      return tier.lookup(query);
    } catch (RuntimeException e) {
      tierFailures.increment();
      LOG.warn("reuse tier {} failed; treated as a miss: {}", tier.name(), e.toString());
      return Optional.empty();
    }
  }

  /** A hit was served: counts it for its origin and tells its tier. */
  public void served(ReuseHit hit) {
    accuracy.hit(hit.origin());
    for (ReuseTier t : tiers) {
      if (t.name().equals(hit.tier())) {
        t.hitUsed(hit);
      }
    }
  }

  /** An audited hit: did the reused label agree with what the model computed? */
  public void audited(ReuseHit hit, StoredResult computed) {
    accuracy.audited(hit.origin(), hit.result().label() == computed.label());
  }

  public OriginAccuracy accuracy() {
    return accuracy;
  }

  public long tierFailures() {
    return tierFailures.sum();
  }
}

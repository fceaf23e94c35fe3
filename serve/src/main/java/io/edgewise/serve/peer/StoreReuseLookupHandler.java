package io.edgewise.serve.peer;

import io.edgewise.reuse.LocalReuseTier;
import io.edgewise.reuse.ReuseHit;
import io.edgewise.reuse.ReuseQuery;
import io.edgewise.reuse.ReuseTier;
import io.edgewise.serve.peer.PeerMessage.ReuseLookup;
import io.edgewise.serve.peer.PeerMessage.ReuseResult;
import java.util.Optional;

/**
 * Answers other devices' REUSE_LOOKUP messages from this device's own feature-reuse store: the upper level of
 * FoggyCache's two-level cache as the asking device sees it. The decision (A-LSH neighbours, H-kNN vote against
 * thresholds calibrated to this store's accuracy target) is the store's own; the answer carries the entry's origin so
 * the asker can track accuracy per origin.
 */
public final class StoreReuseLookupHandler implements ReuseLookupHandler {
  private final ReuseTier tier;

  /** {@code tier}: a store's own tier ({@link LocalReuseTier}), never one that asks peers in turn. */
  public StoreReuseLookupHandler(ReuseTier tier) {
    this.tier = tier;
  }

  @Override
  public ReuseResult lookup(ReuseLookup request) {
    return answer(tier, query(request)).orElseGet(ReuseResult::miss);
  }

  static ReuseQuery query(ReuseLookup request) {
    return new ReuseQuery(request.modelHash(), request.tapPoint(), request.feature().toFloatArray());
  }

  /** The tier's hit as a REUSE_RESULT (its tensors the caller's to send), empty on a miss. */
  static Optional<ReuseResult> answer(ReuseTier tier, ReuseQuery query) {
    Optional<ReuseHit> hit = tier.lookup(query);
    if (hit.isEmpty()) {
      return Optional.empty();
    }
    ReuseHit h = hit.get();
    tier.hitUsed(h);  // counted where it is stored, so importance-based eviction keeps what peers reuse
    return Optional.of(new ReuseResult(true, h.result().label(), h.result().confidence(), h.origin(),
        h.result().toTensors()));
  }
}

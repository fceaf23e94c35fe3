package io.edgewise.serve.peer;

import io.edgewise.reuse.LocalReuseTier;
import io.edgewise.reuse.ReuseHit;
import io.edgewise.reuse.ReuseQuery;
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
  private final LocalReuseTier tier;

  public StoreReuseLookupHandler(LocalReuseTier tier) {
    this.tier = tier;
  }

  @Override
  public ReuseResult lookup(ReuseLookup request) {
    ReuseQuery query = new ReuseQuery(request.modelHash(), request.tapPoint(), request.feature().toFloatArray());
    Optional<ReuseHit> hit = tier.lookup(query);
    if (hit.isEmpty()) {
      return ReuseResult.miss();
    }
    ReuseHit h = hit.get();
    tier.hitUsed(h);  // counted where it is stored, so importance-based eviction keeps what peers reuse
    return new ReuseResult(true, h.result().label(), h.result().confidence(), h.origin(), h.result().toTensors());
  }
}

package io.edgewise.serve.peer;

import io.edgewise.reuse.ReuseHit;
import io.edgewise.reuse.ReuseQuery;
import io.edgewise.reuse.ReuseTier;
import io.edgewise.reuse.StoredResult;
import io.edgewise.serve.peer.PeerMessage.ReuseResult;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Optional;

/**
 * A peer's feature-reuse store as a {@link ReuseTier}, asked over the peer protocol (REUSE_LOOKUP / REUSE_RESULT):
 * the first level of FoggyCache's two-level lookup (Guo et al., MobiCom 2018), before the device's own store. The
 * feature travels as fp16 (half the bytes; the store keeps fp16 features by default anyway). A failure of the peer
 * propagates as an exception, which {@link io.edgewise.reuse.TieredReuse} counts as a miss of this tier.
 *
 * <p>REUSE_RESULT carries no entry id, distance or compute time (protocol version 1), so a hit from a peer reports
 * entry id -1, distance NaN and compute time 0; the asking device stores the result under the peer's origin.
 */
public final class PeerReuseTier implements ReuseTier {
  private final PeerClient client;
  private final String name;

  /** {@code name} identifies the peer in results, metrics and per-origin accuracy (e.g. its address). */
  public PeerReuseTier(PeerClient client, String name) {
    this.client = client;
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Optional<ReuseHit> lookup(ReuseQuery query) {
    return lookup(query, null);
  }

  /** As {@link #lookup(ReuseQuery)}, answered within {@code deadline} (null: the client's request timeout). */
  public Optional<ReuseHit> lookup(ReuseQuery query, java.time.Duration deadline) {
    try (Tensor feature = Tensor.ofFloats(Shape.of(query.feature().length), query.feature());
        ReuseResult r = client.reuseLookup(query.modelHash(), query.tap(), feature, TensorEncoding.FP16, deadline)) {
      if (!r.hit()) {
        return Optional.empty();
      }
      StoredResult tensors = StoredResult.of(r.results());
      StoredResult result = new StoredResult(r.label(), r.confidence(), tensors.tensors());
      // a peer names what it computed itself "local" (its own tier's name): here that is this peer
      String origin = r.origin().isEmpty() || r.origin().equals("local") ? name : r.origin();
      return Optional.of(new ReuseHit(result, name, origin, -1, Double.NaN, Double.NaN, 0, 0));
    }
  }
}

package io.edgewise.reuse;

import io.edgewise.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outputs of one request (owned by the caller, who closes them) and how they were obtained.
 *
 * @param hit the outputs were reused, the model after the tap did not run
 * @param audited a hit was computed anyway to check it; the outputs are the computed ones
 * @param hitInfo the reused (or audited) hit, null on a plain miss
 * @param lookupNanos time of the reuse lookup (all tiers)
 * @param computeNanos time computing the model after the tap (0 on a hit)
 * @param headNanos time computing the model up to the tap (0 when the tap is a model input)
 */
public record ReuseResult(Map<String, Tensor> outputs, boolean hit, boolean audited, ReuseHit hitInfo,
    long lookupNanos, long computeNanos, long headNanos) implements AutoCloseable {

  /** Metadata as strings, for protocols and logs: reuse=hit|miss|audit, tier, origin, distance, ... */
  public Map<String, String> metadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("reuse", hit ? "hit" : audited ? "audit" : "miss");
    if (hitInfo != null) {
      m.put("reuse_tier", hitInfo.tier());
      m.put("reuse_origin", hitInfo.origin());
      m.put("reuse_entry", Long.toString(hitInfo.entryId()));
      m.put("reuse_distance", Double.toString(hitInfo.distance()));
      m.put("reuse_homogeneity", Double.toString(hitInfo.homogeneity()));
      m.put("reuse_saved_ms", Double.toString(hit ? hitInfo.computeNanos() / 1e6 : 0));
    }
    m.put("reuse_lookup_ms", Double.toString(lookupNanos / 1e6));
    m.put("compute_ms", Double.toString((computeNanos + headNanos) / 1e6));
    return m;
  }

  @Override
  public void close() {
    outputs.values().forEach(Tensor::close);
  }
}

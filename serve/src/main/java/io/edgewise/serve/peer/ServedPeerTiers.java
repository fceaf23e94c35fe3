package io.edgewise.serve.peer;

import io.edgewise.serve.common.ReusePeers;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/**
 * The peer protocol's {@link ReusePeers} (found through ServiceLoader): a served pipeline's {@code "reuse".peers}
 * become {@link ServedPeerTier}s asking those nodes' peer ports with REUSE_LOOKUP.
 */
public final class ServedPeerTiers implements ReusePeers {
  /** For ServiceLoader. */
  public ServedPeerTiers() {}

  @Override
  public Tier open(String host, int port, String token, Duration timeout, MeterRegistry meters) {
    return new ServedPeerTier(host, port, token, timeout, meters);
  }
}

package io.edgewise.serve.common;

import io.edgewise.reuse.ReuseTier;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * How a served pipeline reaches other nodes' reuse stores: the peer protocol's REUSE_LOOKUP, implemented in
 * {@code io.edgewise.serve.peer} and found through ServiceLoader (registered in
 * {@code META-INF/services/io.edgewise.serve.common.ReusePeers}), as {@link io.edgewise.serve.PeerEndpoint} is, so
 * that this package does not depend on the protocol that depends on it.
 */
public interface ReusePeers {

  /**
   * A peer node's store as a tier: a lookup that fails or outlasts the timeout is a miss, never an exception
   * (counted, logged once per outage). Owns its connections: close() releases them.
   */
  interface Tier extends ReuseTier, AutoCloseable {
    @Override
    void close();
  }

  /**
   * A tier asking the node whose peer port is {@code host:port} (named {@code "peer:" + host + ":" + port}), with
   * the bearer token its peer port accepts ("" for none); nothing connects before the first lookup. Failures count
   * in {@code meters}.
   */
  Tier open(String host, int port, String token, Duration timeout, MeterRegistry meters);

  /** The implementation on the class path, if any. */
  static Optional<ReusePeers> find() {
    return ServiceLoader.load(ReusePeers.class).findFirst();
  }
}

package io.edgewise.serve.peer;

import io.edgewise.reuse.ReuseHit;
import io.edgewise.reuse.ReuseQuery;
import io.edgewise.serve.common.ReusePeers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Another node's store as a tier of a served pipeline (its config's {@code "reuse".peers}): a {@link PeerReuseTier}
 * whose every look-up, the connection included, is bounded by a timeout, and whose failures are misses. A served
 * request must not wait on, or fail through, an optimisation: a look-up that fails or runs out of time is counted
 * ({@code edgewise.reuse.peer.failures{peer}}), the peer is then skipped for {@link #SKIP_AFTER_FAILURE} (its
 * look-ups are misses at no cost, {@code edgewise.reuse.peer.skipped{peer}}) and tried again after that; the outage
 * is logged once when it starts and once when the peer answers again. Nothing connects before the first look-up,
 * so a node may start before its peers. Thread-safe.
 */
final class ServedPeerTier implements ReusePeers.Tier {
  private static final Logger LOG = LoggerFactory.getLogger(ServedPeerTier.class);
  /**
   * How long a failed peer is left alone: a peer that is down costs one timeout per second at most, instead of one
   * per look-up (a frame asks once, and once per text line).
   */
  static final Duration SKIP_AFTER_FAILURE = Duration.ofSeconds(1);

  private final PeerClientConfig config;
  private final String name;
  private final Duration timeout;
  private final Duration skipAfterFailure;
  private final Counter failures;
  private final Counter skipped;
  private final AtomicBoolean down = new AtomicBoolean();
  private volatile long retryAtNanos;
  private PeerClient client;
  private boolean closed;

  ServedPeerTier(String host, int port, String token, Duration timeout, MeterRegistry meters) {
    this(host, port, token, timeout, SKIP_AFTER_FAILURE, meters);
  }

  /** With another skip period (tests: one no scheduling delay can outlast). */
  ServedPeerTier(String host, int port, String token, Duration timeout, Duration skipAfterFailure,
      MeterRegistry meters) {
    this.name = "peer:" + host + ":" + port;
    this.timeout = timeout;
    this.skipAfterFailure = skipAfterFailure;
    // the connection and its HELLO each get half of the timeout, so that a look-up that connects first still ends
    // within it; no retries (a retry would start after the deadline); one connection is plenty for look-ups
    Duration half = Duration.ofNanos(Math.max(1_000_000, timeout.toNanos() / 2));
    PeerClientConfig c = PeerClientConfig.of(host, port, token);
    this.config = new PeerClientConfig(host, port, token, null, 1, half, timeout, 0, c.limits(), "edgewise-serve");
    this.failures = Counter.builder("edgewise.reuse.peer.failures").tag("peer", name)
        .description("reuse look-ups at a peer that failed or timed out (answered as misses)").register(meters);
    this.skipped = Counter.builder("edgewise.reuse.peer.skipped").tag("peer", name)
        .description("reuse look-ups not sent to a peer that failed within the last second (misses)")
        .register(meters);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Optional<ReuseHit> lookup(ReuseQuery query) {
    if (System.nanoTime() - retryAtNanos < 0) {
      skipped.increment();
      return Optional.empty();
    }
    long t0 = System.nanoTime();
    try {
      PeerClient c = client();
      long left = timeout.toNanos() - (System.nanoTime() - t0);
      if (left <= 0) {
        throw new PeerException(PeerErrorCode.DEADLINE_EXCEEDED, "connecting took the whole timeout");
      }
      Optional<ReuseHit> hit = new PeerReuseTier(c, name).lookup(query, Duration.ofNanos(left));
      if (down.compareAndSet(true, false)) {
        LOG.info("reuse peer {} answers again", name);
      }
      return hit;
    } catch (RuntimeException e) {
      failures.increment();
      retryAtNanos = System.nanoTime() + skipAfterFailure.toNanos();
      if (down.compareAndSet(false, true)) {
        LOG.warn("reuse peer {} failed ({}); its look-ups are misses, tried again every {} ms until it answers",
            name, e.getMessage(), skipAfterFailure.toMillis());
      }
      return Optional.empty();
    }
  }

  /** The client, connected on first use (bounded by the config's connect timeout). */
  private synchronized PeerClient client() {
    if (closed) {
      throw new PeerException(PeerErrorCode.UNAVAILABLE, "the tier is closed");
    }
    if (client == null) {
      client = PeerClient.connect(config);
    }
    return client;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (client != null) {
      client.close();
      client = null;
    }
  }
}

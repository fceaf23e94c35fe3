package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;

/**
 * How a {@link PeerClient} connects. Immutable; the with* methods return a modified copy.
 *
 * @param token the bearer token sent in HELLO ("" for a server without authentication)
 * @param tls a client SslContext (trusting the server's certificate), or null for plain TCP
 * @param poolSize connections kept to the peer; requests go to the one with the most free in-flight slots
 * @param requestTimeout the default time a request may take when the call gives no deadline
 * @param retries extra attempts for idempotent calls (ping, load, capabilities, reuse look-ups) whose connection
 *     failed; partial inferences are never retried (they cost the peer work and the caller's deadline)
 */
public record PeerClientConfig(String host, int port, String token, SslContext tls, int poolSize,
    Duration connectTimeout, Duration requestTimeout, int retries, PeerLimits limits, String clientName) {
  public PeerClientConfig {
    if (host == null || port < 1 || port > 65535 || poolSize < 1 || retries < 0 || token == null) {
      throw EdgewiseException.invalidArgument("PeerClientConfig: need a host, a port 1..65535, a token (may be "
          + "empty), poolSize >= 1, retries >= 0; got " + host + ":" + port + " pool " + poolSize + " retries "
          + retries);
    }
  }

  public static PeerClientConfig of(String host, int port, String token) {
    return new PeerClientConfig(host, port, token, null, 2, Duration.ofSeconds(5), Duration.ofSeconds(30), 2,
        PeerLimits.defaults(), "edgewise-device");
  }

  public PeerClientConfig withTls(SslContext t) {
    return new PeerClientConfig(host, port, token, t, poolSize, connectTimeout, requestTimeout, retries, limits,
        clientName);
  }

  public PeerClientConfig withPoolSize(int n) {
    return new PeerClientConfig(host, port, token, tls, n, connectTimeout, requestTimeout, retries, limits,
        clientName);
  }

  public PeerClientConfig withRequestTimeout(Duration d) {
    return new PeerClientConfig(host, port, token, tls, poolSize, connectTimeout, d, retries, limits, clientName);
  }

  public PeerClientConfig withRetries(int r) {
    return new PeerClientConfig(host, port, token, tls, poolSize, connectTimeout, requestTimeout, r, limits,
        clientName);
  }
}

package io.edgewise.serve;

import io.edgewise.serve.common.InferenceScheduler;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.common.ServeMetrics;
import io.edgewise.serve.common.TlsFiles;
import io.edgewise.serve.common.TokenAuthenticator;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The binary peer protocol's server, as `edgewise serve --peer-port` starts it. The serve command knows it only
 * through this interface: an implementation registers itself in
 * {@code META-INF/services/io.edgewise.serve.PeerEndpoint}, and without one --peer-port is refused.
 */
public interface PeerEndpoint extends AutoCloseable {

  /**
   * What the peer server shares with the HTTP server: the same models, tokens, limits, worker pool and metrics.
   *
   * @param tls null for plain TCP
   * @param reuseStore a feature-reuse store (LMDB directory) whose entries answer peers' look-ups, or null for none
   */
  record Context(String host, int port, ModelRepository repository, TokenAuthenticator auth, ServeLimits limits,
      InferenceScheduler scheduler, ServeMetrics metrics, TlsFiles tls, Path reuseStore) {}

  /** Binds and starts serving; returns the port bound (the requested one, or the chosen one for port 0). */
  int start(Context context);

  /** Stops accepting, lets requests in flight finish, then releases the port. */
  @Override
  void close();

  /** The implementation on the class path, if any. */
  static Optional<PeerEndpoint> find() {
    return ServiceLoader.load(PeerEndpoint.class).findFirst();
  }
}

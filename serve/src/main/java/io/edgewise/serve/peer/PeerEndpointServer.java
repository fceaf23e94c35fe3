package io.edgewise.serve.peer;

import io.edgewise.reuse.LocalReuseTier;
import io.edgewise.reuse.ReuseOptions;
import io.edgewise.reuse.ReuseStore;
import io.edgewise.reuse.ReuseStoreOptions;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.PeerEndpoint;
import io.netty.handler.ssl.SslContext;

/**
 * The peer protocol behind `edgewise serve --peer-port` (found through ServiceLoader): a {@link PeerServer} over the
 * serve command's model repository, its bearer tokens (the same ones the HTTP endpoints accept), its TLS files and
 * its limits on message size and tensor elements. REUSE_LOOKUP is answered from the served pipelines' reuse stores
 * and the {@code --reuse-store} store ({@link RepositoryReuseLookupHandler}).
 */
public final class PeerEndpointServer implements PeerEndpoint {
  private PeerServer server;
  private ReuseStore reuseStore;

  /** For ServiceLoader. */
  public PeerEndpointServer() {}

  @Override
  public synchronized int start(Context c) {
    TokenCheck tokens = c.auth().enabled() ? c.auth()::acceptsToken : TokenCheck.disabled();
    SslContext tls = c.tls() == null ? null : c.tls().serverContext();
    PeerLimits d = PeerLimits.defaults();
    PeerLimits limits = new PeerLimits((int) Math.min(c.limits().maxMessageBytes(), Integer.MAX_VALUE - 8),
        c.limits().maxTensorElements(), d.maxTensors(), d.maxInFlightPerConnection(), Math.max(1, c.limits().maxQueued()),
        c.limits().maxConcurrent(), d.helloTimeoutMillis(), Math.max(1, c.limits().idleTimeout().toMillis()));
    SessionOptions session = c.repository().all().stream().filter(m -> m.session() != null).findFirst()
        .map(m -> m.session().options()).orElse(SessionOptions.defaults());
    LocalReuseTier storeTier = null;
    if (c.reuseStore() != null) {
      reuseStore = ReuseStore.open(c.reuseStore(), ReuseStoreOptions.defaults());
      storeTier = new LocalReuseTier(reuseStore, ReuseOptions.defaults(), "local");
    }
    // the served pipelines' own stores answer peers too (their config's "reuse" section), then --reuse-store's
    ReuseLookupHandler reuse = new RepositoryReuseLookupHandler(c.repository(), storeTier);
    try {
      server = new PeerServer(new PeerServerConfig(c.host(), c.port(), new RepositoryModelResolver(c.repository()),
          tokens, tls, limits, session, "edgewise-serve", reuse, null, () -> 1.0));
      return server.start();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.close();
      server = null;
    }
    if (reuseStore != null) {
      reuseStore.close();  // after the server: no look-up is running any more
      reuseStore = null;
    }
  }
}

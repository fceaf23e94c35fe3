package io.edgewise.serve.peer;

import io.edgewise.EdgewiseException;
import io.edgewise.runtime.SessionOptions;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * How a {@link PeerServer} runs. Immutable; the with* methods return a modified copy.
 *
 * @param host address to bind ("127.0.0.1" by default; "0.0.0.0" for every interface)
 * @param port TCP port, 0 for any free one
 * @param tokens who may connect (a token is required unless {@link TokenCheck#disabled()} is given explicitly)
 * @param tls a server SslContext, or null for plain TCP
 * @param session the device and options the peer runs model suffixes with
 * @param reuseHandler answers REUSE_LOOKUP, or null to answer NOT_IMPLEMENTED
 * @param pipelineHook adds handlers in front of the protocol's (traffic shaping, injected delay in experiments), or
 *     null
 * @param loadSlowdown for experiments: each partial inference is held for (f - 1) times its compute time before
 *     its result is sent, modeling f - 1 co-tenants sharing the peer's device; 1 (no hold) in production
 */
public record PeerServerConfig(String host, int port, ModelResolver resolver, TokenCheck tokens, SslContext tls,
    PeerLimits limits, SessionOptions session, String serverName, ReuseLookupHandler reuseHandler,
    Consumer<ChannelPipeline> pipelineHook, DoubleSupplier loadSlowdown) {
  public PeerServerConfig {
    if (port < 0 || port > 65535) {
      throw EdgewiseException.invalidArgument("peer port must be 0..65535, got " + port);
    }
    if (resolver == null || tokens == null || limits == null || session == null) {
      throw EdgewiseException.invalidArgument("PeerServerConfig: resolver, tokens, limits and session are required");
    }
  }

  /** Loopback, the given port and token, default limits, models run on the cpu device. */
  public static PeerServerConfig of(int port, ModelResolver resolver, String token) {
    return new PeerServerConfig("127.0.0.1", port, resolver, TokenCheck.of(token), null, PeerLimits.defaults(),
        SessionOptions.defaults().withDevice("cpu"), "edgewise-peer", null, null, () -> 1.0);
  }

  public PeerServerConfig withHost(String h) {
    return new PeerServerConfig(h, port, resolver, tokens, tls, limits, session, serverName, reuseHandler,
        pipelineHook, loadSlowdown);
  }

  public PeerServerConfig withTokens(TokenCheck t) {
    return new PeerServerConfig(host, port, resolver, t, tls, limits, session, serverName, reuseHandler,
        pipelineHook, loadSlowdown);
  }

  public PeerServerConfig withTls(SslContext t) {
    return new PeerServerConfig(host, port, resolver, tokens, t, limits, session, serverName, reuseHandler,
        pipelineHook, loadSlowdown);
  }

  public PeerServerConfig withLimits(PeerLimits l) {
    return new PeerServerConfig(host, port, resolver, tokens, tls, l, session, serverName, reuseHandler,
        pipelineHook, loadSlowdown);
  }

  public PeerServerConfig withSession(SessionOptions s) {
    return new PeerServerConfig(host, port, resolver, tokens, tls, limits, s, serverName, reuseHandler,
        pipelineHook, loadSlowdown);
  }

  public PeerServerConfig withReuseHandler(ReuseLookupHandler h) {
    return new PeerServerConfig(host, port, resolver, tokens, tls, limits, session, serverName, h, pipelineHook,
        loadSlowdown);
  }

  public PeerServerConfig withPipelineHook(Consumer<ChannelPipeline> h) {
    return new PeerServerConfig(host, port, resolver, tokens, tls, limits, session, serverName, reuseHandler, h,
        loadSlowdown);
  }

  public PeerServerConfig withLoadSlowdown(DoubleSupplier f) {
    return new PeerServerConfig(host, port, resolver, tokens, tls, limits, session, serverName, reuseHandler,
        pipelineHook, f);
  }
}

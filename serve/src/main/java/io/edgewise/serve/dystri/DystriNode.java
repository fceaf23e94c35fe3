package io.edgewise.serve.dystri;

import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.peer.ModelResolver;
import io.edgewise.serve.peer.PeerLimits;
import io.edgewise.serve.peer.PeerMessage.ModelInfo;
import io.edgewise.serve.peer.PeerServer;
import io.edgewise.serve.peer.PeerServerConfig;
import io.edgewise.serve.peer.TokenCheck;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One edge node of Dystri: a {@link NodeController} behind the peer protocol (LEVEL_INFER, LOAD_QUERY/LOAD_REPORT,
 * PING) on its own port. {@code edgewise serve --node-port P --levels FILE} starts one beside the HTTP server;
 * dystri-bench starts several in one process. Owns the controller and the executor.
 */
public final class DystriNode implements AutoCloseable {
  private final PeerServer server;
  private final NodeController controller;
  private final LevelExecutor levels;
  private final int port;
  private boolean closed;

  private DystriNode(PeerServer server, NodeController controller, LevelExecutor levels, int port) {
    this.server = server;
    this.controller = controller;
    this.levels = levels;
    this.port = port;
  }

  /**
   * Starts serving {@code levels} on host:port (0: any free port) with {@code workers} workers and a queue of
   * {@code maxQueue}; the node takes ownership of {@code levels}.
   *
   * @param tls a server SslContext, or null for plain TCP
   */
  public static DystriNode start(String host, int port, LevelExecutor levels, int workers, int maxQueue,
      TokenCheck tokens, SslContext tls) {
    NodeController controller = null;
    PeerServer server = null;
    try {
      controller = new NodeController(levels, workers, maxQueue);
      server = new PeerServer(config(host, port, tokens, tls));
      server.levelHandler(controller);
      int bound = server.start();
      return new DystriNode(server, controller, levels, bound);
    } catch (RuntimeException e) {
      if (server != null) {
        server.close();
      }
      if (controller != null) {
        controller.close();
      }
      levels.close();
      throw e;
    }
  }

  /**
   * A peer server's configuration for LEVEL_INFER alone (a node, or the coordinator's front): no ONNX models offered
   * by hash, up to 1024 requests in flight per connection (the controller's queue is the admission limit).
   */
  public static PeerServerConfig config(String host, int port, TokenCheck tokens, SslContext tls) {
    PeerLimits d = PeerLimits.defaults();
    return new PeerServerConfig(host, port, NO_MODELS, tokens, tls, new PeerLimits(d.maxFrameBytes(),
        d.maxTensorElements(), d.maxTensors(), 1024, d.maxQueued(), d.workers(), d.helloTimeoutMillis(),
        d.idleTimeoutMillis()), SessionOptions.defaults(), "edgewise-dystri", null, null, () -> 1.0);
  }

  /** Serves no ONNX model by hash: a Dystri node serves its levels only. */
  private static final ModelResolver NO_MODELS = new ModelResolver() {
    @Override
    public List<ModelInfo> models() {
      return List.of();
    }

    @Override
    public Optional<Path> locate(String sha256) {
      return Optional.empty();
    }
  };

  public int port() {
    return port;
  }

  public NodeController controller() {
    return controller;
  }

  /**
   * Fault injection for experiments and tests: the node stops as a crashed process would, answering nothing more;
   * its connections close, so clients see the failure at once.
   */
  public synchronized void kill() {
    if (closed) {
      return;
    }
    closed = true;
    controller.kill();
    server.close();
    controller.close();  // waits for a run in progress (its answer is dropped) before the sessions close
    levels.close();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    controller.close();
    server.close();
    levels.close();
  }
}

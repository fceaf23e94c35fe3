package io.edgewise.cli;

import io.edgewise.EdgewiseException;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.PeerEndpoint;
import io.edgewise.serve.common.InferenceScheduler;
import io.edgewise.serve.cache.CachePolicy;
import io.edgewise.serve.common.ModelControl;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.RepositoryOptions;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.common.ServeMetrics;
import io.edgewise.serve.common.ServedModel;
import io.edgewise.serve.common.TlsFiles;
import io.edgewise.serve.common.TokenAuthenticator;
import io.edgewise.serve.dystri.DystriNode;
import io.edgewise.serve.http.HttpInferenceServer;
import io.edgewise.serve.http.MetricsServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", description = {
    "Serve a model repository (DIR/<name>/<version>/model.onnx) over the Open Inference Protocol (KServe v2, HTTP).",
    "Models without a config.json run on --device.",
    "Bearer-token auth is on by default: give --token-file, or a random token is generated and printed; "
        + "the health endpoints stay open. Ctrl-C stops gracefully (requests in flight finish)."},
    footer = {"", "Memory: the edgewise launcher runs serve with a 512 MiB heap (-Xmx512m; request bodies are capped "
        + "at the same size); set another with EDGEWISE_JAVA_OPTS, e.g. EDGEWISE_JAVA_OPTS=-Xmx1g ./edgewise serve ..."})
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--models", required = true, paramLabel = "DIR", description = "The model repository.")
  Path models;

  @Option(names = "--host", paramLabel = "HOST",
      defaultValue = "0.0.0.0", description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", paramLabel = "PORT",
      defaultValue = "8000", description = "HTTP port, 0 for any (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--peer-port", paramLabel = "Q", description = "Also serve the binary peer protocol on this port.")
  Integer peerPort;

  @Option(names = "--metrics-port", paramLabel = "M", description = "Also serve GET /metrics on this port, without a "
      + "token, for Prometheus (as Triton's 8002); /metrics on --port still needs the token.")
  Integer metricsPort;

  @Option(names = "--reuse-store", paramLabel = "DIR",
      description = "Answer peers' feature-reuse look-ups (REUSE_LOOKUP) from this LMDB store; needs --peer-port.")
  Path reuseStore;

  @Option(names = "--token-file", paramLabel = "F", description = "Accepted bearer tokens, one per line.")
  Path tokenFile;

  @Option(names = "--no-auth", description = "Serve without authentication (trusted networks only).")
  boolean noAuth;

  @Option(names = "--tls-cert", paramLabel = "C", description = "PEM certificate chain: serve HTTPS.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "K", description = "PEM private key (unencrypted PKCS#8) of --tls-cert.")
  Path tlsKey;

  @Mixin
  DeviceOption device = new DeviceOption();

  @Mixin
  ThreadsOption threads = new ThreadsOption();

  @Option(names = "--max-concurrent", paramLabel = "N",
      description = "Inference requests running at once (default: cores).")
  Integer maxConcurrent;

  @Option(names = "--max-queue", paramLabel = "N",
      defaultValue = "64", description = "Requests waiting beyond those (default: ${DEFAULT-VALUE}).")
  int maxQueue;

  @Option(names = "--max-body-mb", paramLabel = "MIB",
      defaultValue = "64", description = "Largest request body in MiB (default: ${DEFAULT-VALUE}).")
  int maxBodyMb;

  @Option(names = "--max-tensor-elements", paramLabel = "N", defaultValue = "16777216",
      description = "Most elements per request tensor (default: ${DEFAULT-VALUE}).")
  long maxTensorElements;

  @Option(names = "--model-control", paramLabel = "MODE", defaultValue = "none",
      description = "none: serve the repository as found at start; explicit: load and unload through "
          + "POST /v2/repository/models/NAME/(load|unload), nothing loaded at start; poll: rescan the repository every "
          + "--poll-interval (new versions appear, removed ones go, a changed file reloads) (default: ${DEFAULT-VALUE}).")
  String modelControl;

  @Option(names = "--poll-interval", paramLabel = "S", defaultValue = "15",
      description = "Seconds between rescans with --model-control poll (default: ${DEFAULT-VALUE}).")
  int pollSeconds;

  @Option(names = "--memory-budget", paramLabel = "SIZE",
      description = "Most memory the loaded models may hold (e.g. 512MiB, 2GiB; measured per model): models load on "
          + "their first request and the --cache-policy evicts idle ones to stay within it. Default: no budget, "
          + "every model stays loaded.")
  String memoryBudget;

  @Option(names = "--cache-policy", paramLabel = "P", defaultValue = "cremebrulee",
      description = "Eviction under --memory-budget: cremebrulee (popularity x load cost / size), lru, lfu or random "
          + "(default: ${DEFAULT-VALUE}).")
  String cachePolicy;

  @Option(names = "--node-port", paramLabel = "P",
      description = "Also run a Dystri node on this port: dynamic-inference levels (--levels) behind the peer protocol, "
          + "for `edgewise coordinator` (docs/dystri.md).")
  Integer nodePort;

  @Option(names = "--levels", paramLabel = "FILE",
      description = "The node's levels (levels.json: models cheapest first with their measured accuracy); needs "
          + "--node-port.")
  Path levels;

  @Option(names = "--node-workers", paramLabel = "N", defaultValue = "1",
      description = "Requests the Dystri node serves at once (default: ${DEFAULT-VALUE}).")
  int nodeWorkers;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** The repository options the model-control and cache options give. */
  RepositoryOptions repositoryOptions() {
    try {
      ModelControl control = ModelControl.parse(modelControl);
      if (pollSeconds < 1) {
        throw EdgewiseException.invalidArgument("--poll-interval must be at least 1 second, got " + pollSeconds);
      }
      if (cachePolicy.equals("belady")) {
        throw EdgewiseException.invalidArgument("--cache-policy belady is the offline oracle (it needs the future "
            + "requests): only cache-bench runs it");
      }
      long budget = memoryBudget == null ? 0 : RepositoryOptions.parseBytes(memoryBudget);
      if (memoryBudget != null && budget == 0) {
        throw EdgewiseException.invalidArgument("--memory-budget must be positive, got " + memoryBudget);
      }
      return RepositoryOptions.defaults().withControl(control, Duration.ofSeconds(pollSeconds))
          .withBudget(budget, CachePolicy.of(cachePolicy, null, System.nanoTime()));
    } catch (EdgewiseException e) {
      throw Main.usage(spec, e.getMessage());
    }
  }

  @Override
  public Integer call() throws Exception {
    try (Running running = start()) {
      // SIGTERM / Ctrl-C: the same graceful close, from the JVM's shutdown hook
      Runtime.getRuntime().addShutdownHook(new Thread(running::close, "edgewise-serve-shutdown"));
      running.awaitClosed();
    }
    return 0;
  }

  /** What serve started; close() stops it gracefully (requests in flight finish) and releases the models. */
  static final class Running implements AutoCloseable {
    private final ModelRepository repository;
    private final InferenceScheduler scheduler;
    private final HttpInferenceServer server;
    private final PeerEndpoint peer;
    private final MetricsServer metricsServer;
    private DystriNode node;
    private boolean closed;

    Running(ModelRepository repository, InferenceScheduler scheduler, HttpInferenceServer server, PeerEndpoint peer,
        MetricsServer metricsServer) {
      this.repository = repository;
      this.scheduler = scheduler;
      this.server = server;
      this.peer = peer;
      this.metricsServer = metricsServer;
    }

    String url() {
      return server.url();
    }

    /** The metrics port's URL, or null without --metrics-port. */
    String metricsUrl() {
      return metricsServer == null ? null : metricsServer.url();
    }

    void awaitClosed() throws InterruptedException {
      server.awaitClosed();
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
      }
      try {
        if (node != null) {
          node.close();
        }
        if (peer != null) {
          peer.close();
        }
        server.close();
        if (metricsServer != null) {
          metricsServer.close();
        }
        scheduler.shutdown(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        scheduler.close();
        repository.close();
      }
    }
  }

  /** Checks the options, loads the repository and starts the servers; prints where they listen and the token. */
  Running start() {
    PrintWriter out = spec.commandLine().getOut();
    if ((tlsCert == null) != (tlsKey == null)) {
      throw Main.usage(spec, "--tls-cert and --tls-key go together");
    }
    if (noAuth && tokenFile != null) {
      throw Main.usage(spec, "--no-auth and --token-file contradict each other");
    }
    if (maxBodyMb < 1 || maxBodyMb > 2047) {
      throw Main.usage(spec, "--max-body-mb must be in 1..2047, got " + maxBodyMb);
    }
    if ((nodePort == null) != (levels == null) || nodeWorkers < 1) {
      throw Main.usage(spec, "--node-port and --levels go together (and --node-workers must be at least 1)");
    }
    if (reuseStore != null && peerPort == null) {
      throw Main.usage(spec, "--reuse-store answers peers' look-ups: it needs --peer-port");
    }
    Optional<PeerEndpoint> peer = Optional.empty();
    if (peerPort != null) {
      peer = PeerEndpoint.find();
      if (peer.isEmpty()) {
        throw Main.usage(spec, "--peer-port: this build has no peer protocol server (no "
            + PeerEndpoint.class.getName() + " implementation on the class path)");
      }
    }
    ServeLimits limits;
    try {
      ServeLimits d = ServeLimits.defaults();
      limits = d.withMaxMessageBytes((long) maxBodyMb << 20).withMaxTensorElements(maxTensorElements)
          .withConcurrency(maxConcurrent == null ? d.maxConcurrent() : maxConcurrent, maxQueue);
    } catch (EdgewiseException e) {
      throw Main.usage(spec, e.getMessage());
    }
    TokenAuthenticator auth;
    String generated = null;
    if (noAuth) {
      auth = TokenAuthenticator.disabled();
    } else if (tokenFile != null) {
      auth = TokenAuthenticator.fromFile(tokenFile);
    } else {
      generated = TokenAuthenticator.generateToken();
      auth = TokenAuthenticator.of(List.of(generated));
    }
    TlsFiles tls = tlsCert == null ? null : new TlsFiles(tlsCert, tlsKey);
    if (tls != null) {
      tls.serverContext();  // fail now, before the models load, when the files are unusable
    }
    SessionOptions defaults = SessionOptions.defaults().withDevice(device.name()).withThreads(threads.count());
    RepositoryOptions repositoryOptions = repositoryOptions();
    ModelRepository repository = ModelRepository.open(models, defaults, repositoryOptions);
    InferenceScheduler scheduler = new InferenceScheduler(limits);
    HttpInferenceServer server = null;
    PeerEndpoint peerServer = null;
    MetricsServer metricsServer = null;
    try {
      for (ServedModel m : repository.all()) {
        out.println(m.isReady() ? "model:   " + m.label() + " on " + m.deviceName()
            : repository.servable(m) ? "model:   " + m.label() + " loads on its first request"
            : "model:   " + m.label() + " UNAVAILABLE: " + m.failure());
      }
      if (repositoryOptions.memoryBudget() > 0) {
        out.println("cache:   memory budget " + repositoryOptions.memoryBudget() + " bytes, eviction "
            + repositoryOptions.policy().name());
      }
      if (repositoryOptions.control() != ModelControl.NONE) {
        out.println("control: " + repositoryOptions.control().name().toLowerCase(java.util.Locale.ROOT)
            + (repositoryOptions.control() == ModelControl.POLL ? " (every " + pollSeconds + " s)" : ""));
      }
      if (repository.all().isEmpty()) {
        out.println("model:   none found under " + repository.root() + " (expected <name>/<version>/model.onnx)");
      }
      ServeMetrics metrics = new ServeMetrics(scheduler);
      server = HttpInferenceServer.start(new HttpInferenceServer.Config(host, port, repository, auth, limits,
          scheduler, metrics, tls, Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())),
          Duration.ofSeconds(30)));
      if (peer.isPresent()) {
        peerServer = peer.get();
        int bound = peerServer.start(new PeerEndpoint.Context(host, peerPort, repository, auth, limits, scheduler,
            metrics, tls, reuseStore));
        out.println("peer:    listening on " + host + ":" + bound
            + (reuseStore == null ? "" : ", answering reuse look-ups from " + reuseStore));
      }
      if (metricsPort != null) {
        metricsServer = MetricsServer.start(host, metricsPort, metrics);
        out.println("metrics: " + metricsServer.url() + " (Prometheus, no token)");
      }
      DystriNode node = null;
      if (nodePort != null) {
        node = DystriNodes.start(host, nodePort, levels, defaults, nodeWorkers, limits.maxQueued(), auth, tls, out);
      }
      out.println("serving: " + server.url() + " (KServe v2; /metrics for Prometheus)"
          + (host.equals("0.0.0.0") ? ", on every interface" : ""));
      if (generated != null) {
        out.println("auth:    no --token-file given; this run's bearer token is " + generated);
      } else if (!auth.enabled()) {
        out.println("auth:    OFF (--no-auth): anyone who reaches the port can run the models");
      }
      out.flush();
      Running running = new Running(repository, scheduler, server, peerServer, metricsServer);
      running.node = node;
      return running;
    } catch (RuntimeException e) {
      if (metricsServer != null) {
        metricsServer.close();
      }
      if (peerServer != null) {
        peerServer.close();
      }
      if (server != null) {
        server.close();
      }
      scheduler.close();
      repository.close();
      throw e;
    }
  }
}

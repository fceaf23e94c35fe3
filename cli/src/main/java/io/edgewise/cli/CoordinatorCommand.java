package io.edgewise.cli;

import io.edgewise.adapt.dystri.LevelLadder;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.common.TokenAuthenticator;
import io.edgewise.serve.dystri.Coordinator;
import io.edgewise.serve.dystri.DystriNode;
import io.edgewise.serve.dystri.LevelsFile;
import io.edgewise.serve.dystri.Policy;
import io.edgewise.serve.dystri.SessionLevels;
import io.edgewise.serve.peer.PeerServer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `edgewise coordinator --nodes host:port,...`: Dystri's global coordinator in front of `serve --node-port` nodes. It
 * serves LEVEL_INFER on its own peer-protocol port: each request (user, deadline budget, accuracy want, inputs) goes to
 * a node at a level that meets its deadline, or is refused at once with the reason.
 */
@Command(name = "coordinator", description = "Dystri's coordinator: routes "
    + "deadline-bound requests to `serve --node-port` nodes and sets each one's dynamic-inference level, per user; "
    + "re-routes the requests of a node that dies.")
public final class CoordinatorCommand implements Callable<Integer> {
  @Option(names = "--nodes", required = true, split = ",", paramLabel = "HOST:PORT",
      description = "The nodes' Dystri ports (serve --node-port).")
  List<String> nodes;

  @Option(names = "--levels", required = true, paramLabel = "FILE",
      description = "The levels the nodes serve (the same levels.json as their --levels).")
  Path levels;

  @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
      description = "Address to bind (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
  String host;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "7400",
      description = "Peer-protocol port that clients send LEVEL_INFER to (default: ${DEFAULT-VALUE}; 0 for any).")
  int port;

  @Option(names = "--policy", paramLabel = "P", defaultValue = "dystri",
      description = "dystri, fixed-highest, fixed-lowest, least-loaded or random (default: ${DEFAULT-VALUE}).")
  String policy;

  @Option(names = "--probe-ms", paramLabel = "MS", defaultValue = "50",
      description = "Time between load queries to each node (default: ${DEFAULT-VALUE}).")
  long probeMs;

  @Option(names = "--probe-timeout-ms", paramLabel = "MS", defaultValue = "500",
      description = "A load query unanswered this long fails; two failures in a row mark the node down (default: "
          + "${DEFAULT-VALUE}).")
  long probeTimeoutMs;

  @Option(names = "--token-file", paramLabel = "F", description = "Bearer tokens clients must present, one per line; "
      + "the first is also sent to the nodes.")
  Path tokenFile;

  @Option(names = "--no-auth", description = "Accept clients without a token and send none to the nodes.")
  boolean noAuth;

  @Mixin
  DeviceOption device = new DeviceOption();

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (noAuth == (tokenFile != null)) {
      throw Main.usage(spec, "give exactly one of --token-file and --no-auth");
    }
    if (probeMs < 1 || probeTimeoutMs < 1) {
      throw Main.usage(spec, "--probe-ms and --probe-timeout-ms must be positive");
    }
    List<Coordinator.Address> addresses = new ArrayList<>();
    Policy p;
    try {
      for (String n : nodes) {
        addresses.add(Coordinator.Address.parse(n.trim()));
      }
      p = Policy.of(policy);
    } catch (RuntimeException e) {
      throw Main.usage(spec, e.getMessage());
    }
    TokenAuthenticator auth = noAuth ? TokenAuthenticator.disabled() : TokenAuthenticator.fromFile(tokenFile);
    String token = noAuth ? "" : Files.readAllLines(tokenFile).stream().map(String::trim)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst().orElse("");
    // the ladder's accuracies come from the file; its costs, measured here, are only the priors each node's measured
    // times replace
    LevelLadder ladder;
    try (SessionLevels l = SessionLevels.open(LevelsFile.read(levels), SessionOptions.defaults()
        .withDevice(device.name()).withThreads(1), 10)) {
      ladder = l.ladder();
    }
    Coordinator.Options options = new Coordinator.Options(p, Duration.ofMillis(probeMs),
        Duration.ofMillis(probeTimeoutMs), Duration.ofMillis(Math.max(500, probeMs * 10)), token, 1);
    CountDownLatch stop = new CountDownLatch(1);
    try (Coordinator c = new Coordinator(addresses, ladder, options);
         PeerServer server = new PeerServer(DystriNode.config(host, port, DystriNodes.tokens(auth), null))) {
      c.onEvent(e -> {
        out.println("event:   " + e);
        out.flush();
      });
      server.levelHandler(c);
      int bound = server.start();
      for (int i = 0; i < addresses.size(); i++) {
        out.println("node:    " + i + " " + addresses.get(i) + (c.alive(i) ? " up" : " DOWN (retried every "
            + options.retryInterval().toMillis() + " ms)"));
      }
      out.println("coordinator: listening on " + host + ":" + bound + " (LEVEL_INFER), policy " + p.label()
          + ", " + ladder.size() + " levels, load queries every " + probeMs + " ms");
      out.flush();
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "edgewise-coordinator-shutdown"));
      stop.await();
    }
    return 0;
  }
}

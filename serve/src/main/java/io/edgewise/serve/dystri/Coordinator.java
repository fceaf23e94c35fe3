package io.edgewise.serve.dystri;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.dystri.LevelCosts;
import io.edgewise.adapt.dystri.LevelLadder;
import io.edgewise.adapt.dystri.LevelRule;
import io.edgewise.serve.peer.LevelInferHandler;
import io.edgewise.serve.peer.PeerClient;
import io.edgewise.serve.peer.PeerClientConfig;
import io.edgewise.serve.peer.PeerErrorCode;
import io.edgewise.serve.peer.PeerException;
import io.edgewise.serve.peer.PeerMessage;
import io.edgewise.serve.peer.PeerMessage.LevelInfer;
import io.edgewise.serve.peer.PeerMessage.LoadReport;
import io.edgewise.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dystri's global coordinator (issue 25): tracks the nodes' load through the peer protocol (LOAD_QUERY/LOAD_REPORT
 * every {@code probeInterval}, plus the work it has sent each node and not yet had answered, with its deadlines: the
 * nodes' queues are EDF, so a request waits only behind work due before it), routes each request to
 * a node and sets its level so that its deadline is met, per user (each request carries its user's deadline and
 * accuracy want), and keeps answering when a node dies.
 *
 * <p>Failure handling: a node is marked down when a request to it fails on the connection (a killed process closes
 * its sockets: noticed at once, by the requests in flight or the next load query) or two load queries in a row get no
 * answer within {@code probeTimeout} (a hung node, or one too busy to answer: noticed within about 2 x (probeInterval
 * + probeTimeout), 1.1 s by default; one slow answer on a busy machine is not a death). A query that went unanswered
 * while the coordinator's own process stalled (its probe tick ran late, or the query's timeout fired late: see
 * {@link StallGuard}) is not counted: in-process nodes stall with it, and that is not their death. Requests in flight
 * to a dead node are sent again to a live one with the time they
 * have left; a down node is probed again every {@code retryInterval} and used again once it answers. Every request
 * is answered exactly once: served, or refused with the reason (no node can make its deadline, no node is live, the
 * node's own refusal), never left to time out.
 *
 * <p>In-process callers use {@link #submit}; over the network the coordinator serves LEVEL_INFER itself (it is a
 * {@link LevelInferHandler}: {@code edgewise coordinator} puts it behind a peer port). Owns its clients and threads.
 */
public final class Coordinator implements LevelInferHandler, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

  /**
   * @param probeInterval time between load queries to each live node
   * @param probeTimeout a load query unanswered this long is a failed probe; two in a row mark the node down
   * @param retryInterval time between attempts to reach a down node
   * @param token the nodes' bearer token ("" for none)
   */
  public record Options(Policy policy, Duration probeInterval, Duration probeTimeout, Duration retryInterval,
      String token, long seed) {
    public static Options of(Policy policy) {
      return new Options(policy, Duration.ofMillis(50), Duration.ofMillis(500), Duration.ofMillis(500), "", 1);
    }

    public Options withToken(String t) {
      return new Options(policy, probeInterval, probeTimeout, retryInterval, t, seed);
    }

    public Options withPolicy(Policy p) {
      return new Options(p, probeInterval, probeTimeout, retryInterval, token, seed);
    }
  }

  /** A node's address. */
  public record Address(String host, int port) {
    /** Parses host:port. */
    public static Address parse(String s) {
      int colon = s.lastIndexOf(':');
      try {
        if (colon > 0) {
          int port = Integer.parseInt(s.substring(colon + 1));
          if (port >= 1 && port <= 65535) {
            return new Address(s.substring(0, colon), port);
          }
        }
      } catch (NumberFormatException e) {
        // falls through to the message below
      }
      throw EdgewiseException.invalidArgument("node address must be host:port with a port 1..65535, got '" + s + "'");
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  /** What the coordinator knows of one node. */
  private final class Node {
    final int index;
    final Address address;
    final LevelCosts costs;
    volatile PeerClient client;
    volatile boolean alive;
    volatile long downSinceNanos;
    volatile long lastAttemptNanos;
    int probeFailures;  // only the node's probe task touches it
    final StallGuard stall = new StallGuard(options.probeInterval().toNanos(), options.probeTimeout().toNanos() / 2,
        System::nanoTime);  // only the node's probe task touches it
    volatile LoadReport report;
    volatile double netMs = 0.5;
    /** The work sent here lately, by budget (its wait is stretched by the tighter share of it). */
    final TighterLoad tighter = TighterLoad.forPlanning();
    final Map<Long, double[]> outstanding = new java.util.HashMap<>();  // id -> {deadlineNanos, ms}; coordinator-guarded
    double outstandingMs;  // guarded by the coordinator

    Node(int index, Address address) {
      this.index = index;
      this.address = address;
      this.costs = new LevelCosts(ladder, 0.1, 2);
    }

    PeerClient client() {
      PeerClient c = client;
      if (c == null) {
        synchronized (this) {
          if (client == null) {
            client = PeerClient.connect(PeerClientConfig.of(address.host(), address.port(), options.token())
                .withPoolSize(4).withRetries(0).withRequestTimeout(options.probeTimeout()));
          }
          c = client;
        }
      }
      return c;
    }

    int workers() {
      LoadReport r = report;
      return r == null ? 1 : Math.max(1, r.workers());
    }

    /** Estimated wait (ms) behind the work already at the node: what we sent, or what it reports, whichever is more. */
    double waitMs() {
      LoadReport r = report;
      double reported = r == null ? 0 : (r.queued() + r.inFlight()) * r.meanComputeMs();
      double own;
      synchronized (Coordinator.this) {
        own = outstandingMs;
      }
      return Math.max(own, reported) / workers();
    }

    /**
     * The coordinator's outstanding work here (ms, not over workers) due no later than this deadline: the node's
     * queue is EDF, so a request waits only behind work due before it.
     */
    double ownAheadMs(long deadlineNanos) {
      double own = 0;
      synchronized (Coordinator.this) {
        for (double[] o : outstanding.values()) {
          own += (long) o[0] - deadlineNanos <= 0 ? o[1] : 0;
        }
      }
      return own;
    }
  }

  private final LevelLadder ladder;
  private final Options options;
  private final List<Node> nodes = new ArrayList<>();
  private final ExecutorService calls;
  private final ScheduledExecutorService monitor;
  private final AtomicInteger roundRobin = new AtomicInteger();
  private final Random random;
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong tickets = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Observed minus predicted finish of Dystri's routed requests; its 95th percentile is the planning margin. */
  private final ErrorTail predictionErrors = ErrorTail.forPlanning();
  private volatile Consumer<String> events = s -> {};
  private volatile boolean closed;

  /**
   * @param ladder the levels every node serves (their accuracy, and the cost each node's measured times start from)
   */
  public Coordinator(List<Address> addresses, LevelLadder ladder, Options options) {
    if (addresses.isEmpty()) {
      throw EdgewiseException.invalidArgument("coordinator: no nodes given");
    }
    this.ladder = ladder;
    this.options = options;
    this.random = new Random(options.seed());
    for (int i = 0; i < addresses.size(); i++) {
      nodes.add(new Node(i, addresses.get(i)));
    }
    AtomicInteger n = new AtomicInteger();
    this.calls = Executors.newCachedThreadPool(r -> daemon(r, "dystri-coordinator-" + n.incrementAndGet()));
    this.monitor = Executors.newScheduledThreadPool(Math.max(1, Math.min(4, nodes.size())),
        r -> daemon(r, "dystri-monitor"));
    for (Node node : nodes) {
      probe(node);  // connect and read the first load report before serving
      monitor.scheduleWithFixedDelay(() -> probe(node), options.probeInterval().toNanos(),
          options.probeInterval().toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Receives a line for each node going down or coming back (for logs and the bench). */
  public void onEvent(Consumer<String> sink) {
    this.events = sink;
  }

  public LevelLadder ladder() {
    return ladder;
  }

  public int nodeCount() {
    return nodes.size();
  }

  public boolean alive(int node) {
    return nodes.get(node).alive;
  }

  /** System.nanoTime() at which the node was last marked down (0 if never). */
  public long downSinceNanos(int node) {
    return nodes.get(node).downSinceNanos;
  }

  private void probe(Node node) {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    if (!node.alive && node.lastAttemptNanos != 0 && now - node.lastAttemptNanos < options.retryInterval().toNanos()) {
      return;  // a down node is tried again every retryInterval
    }
    node.lastAttemptNanos = now;
    node.stall.tickStart();
    try {
      LoadReport r = node.client().load();
      node.report = r;
      if (!node.alive) {
        node.alive = true;
        LOG.info("node {} is up ({} workers)", node.address, r.workers());
        events.accept("node " + node.index + " (" + node.address + ") up");
      }
      node.probeFailures = 0;
    } catch (PeerException e) {
      // a closed or refused connection is a dead node; a slow answer may be a busy one: two in a row are a hung node
      // (unless this process stalled: the tick ran late or the timeout fired late, so the fault may be ours)
      if (e.peerCode() == PeerErrorCode.UNAVAILABLE) {
        markDown(node, e.getMessage());
      } else if (node.stall.ownStall(options.probeTimeout().toNanos())) {
        LOG.debug("node {}: load query unanswered while this process stalled; not counted", node.address);
      } else if (++node.probeFailures >= PROBE_FAILURES) {
        markDown(node, e.getMessage());
      }
    } catch (RuntimeException e) {
      markDown(node, e.toString());
    } finally {
      node.stall.tickEnd();
    }
  }

  /** Consecutive unanswered load queries that mark a node down. */
  static final int PROBE_FAILURES = 2;

  private void markDown(Node node, String why) {
    boolean was;
    synchronized (node) {
      was = node.alive;
      node.alive = false;
      if (was) {
        node.downSinceNanos = System.nanoTime();
        node.lastAttemptNanos = node.downSinceNanos;
      }
    }
    if (was) {
      LOG.warn("node {} is down: {}", node.address, why);
      events.accept("node " + node.index + " (" + node.address + ") down: " + why);
    }
  }

  /**
   * Routes one request; the future always completes with an {@link Outcome} (never exceptionally).
   *
   * @param inputs the model's inputs; the coordinator takes them and closes them once answered
   * @param deadlineNanos System.nanoTime() by which the answer is needed
   * @param accuracyWant the user's accuracy want in [0, 1]
   */
  public CompletableFuture<Outcome> submit(String user, double accuracyWant, long deadlineNanos,
      Map<String, Tensor> inputs) {
    CompletableFuture<Outcome> f = new CompletableFuture<>();
    inFlight.incrementAndGet();
    f.whenComplete((o, e) -> {
      inFlight.decrementAndGet();
      completed.incrementAndGet();
      inputs.values().forEach(Tensor::close);
    });
    if (closed) {
      f.complete(Outcome.refused(-1, PeerErrorCode.OVERLOADED, "the coordinator is shutting down", 0));
      return f;
    }
    try {
      calls.execute(() -> f.complete(route(user, accuracyWant, deadlineNanos, inputs)));
    } catch (RuntimeException e) {
      f.complete(Outcome.refused(-1, PeerErrorCode.OVERLOADED, "the coordinator is shutting down", 0));
    }
    return f;
  }

  /** A routing decision: the node and the level range sent, or a refusal. */
  private record Decision(Node node, int lowest, int highest, double estimateMs, String refusal, double predictedMs) {
    Decision(Node node, int lowest, int highest, double estimateMs, String refusal) {
      this(node, lowest, highest, estimateMs, refusal, Double.NaN);
    }
  }

  private Outcome route(String user, double want, long deadlineNanos, Map<String, Tensor> inputs) {
    Set<Integer> excluded = new HashSet<>();
    int reroutes = 0;
    while (true) {
      long now = System.nanoTime();
      double slackMs = (deadlineNanos - now) / 1e6;
      if (slackMs <= 0) {
        return Outcome.refused(-1, PeerErrorCode.DEADLINE_EXCEEDED, "the deadline passed before the request could "
            + (reroutes > 0 ? "be sent again (its node died)" : "be routed"), reroutes);
      }
      Decision d;
      try {
        d = decide(want, slackMs, deadlineNanos, excluded);
      } catch (RuntimeException e) {
        LOG.warn("routing failed", e);
        return Outcome.refused(-1, PeerErrorCode.INTERNAL, "routing failed: " + e, reroutes);
      }
      if (d.refusal() != null) {
        return Outcome.refused(-1, d.node() == null ? PeerErrorCode.OVERLOADED : PeerErrorCode.DEADLINE_EXCEEDED,
            d.refusal(), reroutes);
      }
      Node node = d.node();
      long ticket = tickets.incrementAndGet();
      synchronized (this) {
        node.outstandingMs += d.estimateMs();
        node.outstanding.put(ticket, new double[] {deadlineNanos, d.estimateMs()});
      }
      node.tighter.add(now, slackMs, d.estimateMs());
      long sentNanos = System.nanoTime();
      try {
        // the node's budget ends when its answer must leave: the link's share (there and back) is not the node's to
        // spend (its clock starts when the request arrives, after the way there; the way back follows its answer)
        long nodeBudget = Math.max(1000, deadlineNanos - System.nanoTime() - (long) (node.netMs * 1e6));
        PeerClient.LevelAnswer a = node.client().levelInfer(user, inputs, d.lowest(), d.highest(), want,
            Duration.ofNanos(nodeBudget));
        double computeMs = a.computeMicros() / 1000.0;
        node.costs.observe(a.level(), computeMs);
        double net = Math.max(0, a.roundTripNanos() / 1e6 - computeMs - a.queueMicros() / 1000.0);
        // clipped: one stall of a busy machine (100 ms and more on a shared VM) must not make every node look far away
        node.netMs = 0.9 * node.netMs + 0.1 * Math.min(net, 2 * node.netMs + 1);
        if (!Double.isNaN(d.predictedMs())) {
          predictionErrors.observe((System.nanoTime() - sentNanos) / 1e6 - d.predictedMs());
        }
        return new Outcome(true, a.level(), node.index, a.outputs(), null, null, reroutes, a.queueMicros(),
            a.computeMicros());
      } catch (PeerException e) {
        if (e.peerCode() == PeerErrorCode.DEADLINE_EXCEEDED && !Double.isNaN(d.predictedMs())) {
          // refused or expired at the node: it would have finished no sooner than the deadline (a lower bound)
          double took = Math.max(System.nanoTime() - sentNanos, deadlineNanos - sentNanos) / 1e6;
          predictionErrors.observe(took - d.predictedMs());
        }
        if (e.peerCode() == PeerErrorCode.UNAVAILABLE) {
          markDown(node, e.getMessage());
          excluded.add(node.index);
          reroutes++;
          continue;
        }
        return Outcome.refused(node.index, e.peerCode(), "node " + node.index + ": " + e.detail(), reroutes);
      } catch (RuntimeException e) {
        markDown(node, e.toString());
        excluded.add(node.index);
        reroutes++;
      } finally {
        synchronized (this) {
          node.outstandingMs = Math.max(0, node.outstandingMs - d.estimateMs());
          node.outstanding.remove(ticket);
        }
      }
    }
  }

  private Decision decide(double want, double slackMs, long deadlineNanos, Set<Integer> excluded) {
    List<Node> live = new ArrayList<>();
    for (Node n : nodes) {
      if (n.alive && !excluded.contains(n.index)) {
        live.add(n);
      }
    }
    if (live.isEmpty()) {
      return new Decision(null, 0, 0, 0, "no live node (" + nodes.size() + " configured" + (excluded.isEmpty() ? ""
          : ", " + excluded.size() + " failed during this request") + ")");
    }
    int top = ladder.top();
    switch (options.policy()) {
      case FIXED_HIGHEST -> {
        Node n = live.get(Math.floorMod(roundRobin.getAndIncrement(), live.size()));
        return new Decision(n, top, top, n.costs.mean(top), null);
      }
      case FIXED_LOWEST -> {
        Node n = live.get(Math.floorMod(roundRobin.getAndIncrement(), live.size()));
        return new Decision(n, 0, 0, n.costs.mean(0), null);
      }
      case LEAST_LOADED -> {
        Node best = live.get(0);
        for (Node n : live) {
          if (n.waitMs() < best.waitMs()) {
            best = n;
          }
        }
        return new Decision(best, top, top, best.costs.mean(top), null);
      }
      case RANDOM -> {
        Node n;
        int level;
        synchronized (random) {
          n = live.get(random.nextInt(live.size()));
          level = random.nextInt(ladder.size());
        }
        return new Decision(n, level, level, n.costs.mean(level), null);
      }
      default -> {
        return dystri(live, want, slackMs, deadlineNanos);
      }
    }
  }

  /**
   * Each live node's best level by {@link FinishPlan}: the work ahead there (what we sent it and have not had back
   * due first under EDF, plus what it reports queued and running beyond all we sent), the level's service time and
   * the link,
   * with the measured tail of the prediction error as margin (until enough errors are measured: the per-level
   * deviations of {@link LevelCosts#estimate}): {@link FinishPlan#plan}, the rule every node's controller applies too.
   * The node whose choice fits and reaches the want, else the most
   * accurate that fits; among equals the earliest finish.
   */
  private Decision dystri(List<Node> live, double want, double slackMs, long deadlineNanos) {
    Node best = null;
    FinishPlan.Plan bestPlan = null;
    double tail = predictionErrors.tailMs();
    long now = System.nanoTime();
    for (Node n : live) {
      LoadReport r = n.report;
      double ahead = FinishPlan.aheadMs(n.ownAheadMs(deadlineNanos), n.ownAheadMs(Long.MAX_VALUE),
          r == null ? 0 : r.queued() + r.inFlight(),
          r == null ? 0 : r.meanComputeMs(), n.costs.mean(0), n.workers());
      FinishPlan.Plan p = FinishPlan.plan(ladder, n.costs, tail, ahead, n.tighter.shareBelow(now, slackMs,
          n.workers()), n.tighter.shareBelow(now, Double.POSITIVE_INFINITY, n.workers()), n.netMs, slackMs, 0,
          ladder.top(), want);
      if (bestPlan == null || better(p.choice(), bestPlan.choice())) {
        best = n;
        bestPlan = p;
      }
    }
    LevelRule.Choice bestChoice = bestPlan.choice();
    if (!bestChoice.fits()) {
      return new Decision(best, 0, 0, 0, String.format("no node can answer within the %.1f ms left: the earliest "
          + "predicted finish is %.1f ms at level %s on node %d", slackMs, bestChoice.finishMs(),
          ladder.get(bestChoice.level()).name(), best.index));
    }
    return new Decision(best, 0, bestChoice.level(), best.costs.mean(bestChoice.level()), null,
        bestPlan.predictedMs());
  }

  private boolean better(LevelRule.Choice a, LevelRule.Choice b) {
    if (a.fits() != b.fits()) {
      return a.fits();
    }
    if (a.meetsWant() != b.meetsWant()) {
      return a.meetsWant();
    }
    if (!a.meetsWant()) {
      double da = ladder.get(a.level()).accuracy();
      double db = ladder.get(b.level()).accuracy();
      if (da != db) {
        return da > db;
      }
    }
    return a.finishMs() < b.finishMs();
  }

  /** Serves LEVEL_INFER for `edgewise coordinator`: the request's budget, user and want, routed as {@link #submit}. */
  @Override
  public void submit(LevelInfer request, Consumer<PeerMessage> answer) {
    long budget = request.deadlineMicros() <= 0 || request.deadlineMicros() >= Long.MAX_VALUE / 1000
        ? TimeUnit.SECONDS.toNanos(30) : request.deadlineMicros() * 1000;
    submit(request.user(), request.accuracyWant(), System.nanoTime() + budget, request.tensors())
        .thenAccept(o -> answer.accept(o.served()
            ? new PeerMessage.LevelResult(o.level(), o.queueMicros(), o.computeMicros(), o.outputs(),
                request.resultEncoding())
            : new PeerMessage.Error(o.code(), o.reason())));
  }

  /** The coordinator's own load: requests it is routing, and the live nodes' workers and reported utilisation. */
  @Override
  public LoadReport load() {
    int workers = 0;
    double util = 0;
    int live = 0;
    for (Node n : nodes) {
      if (n.alive) {
        live++;
        workers += n.workers();
        util += n.report == null ? 0 : n.report.utilisation();
      }
    }
    return new LoadReport(inFlight.get(), 0, workers, live == 0 ? 0 : util / live, 0, completed.get());
  }

  @Override
  public void close() {
    closed = true;
    monitor.shutdownNow();
    calls.shutdown();
    try {
      calls.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Node n : nodes) {
      if (n.client != null) {
        n.client.close();
      }
    }
  }
}

package io.edgewise.bench.dystri;

import io.edgewise.adapt.dystri.LevelLadder;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.dystri.Coordinator;
import io.edgewise.serve.dystri.DystriNode;
import io.edgewise.serve.dystri.LevelExecutor;
import io.edgewise.serve.dystri.Outcome;
import io.edgewise.serve.dystri.Policy;
import io.edgewise.serve.dystri.SessionLevels;
import io.edgewise.serve.peer.TokenCheck;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * One dystri-bench run: {@code nodes} Dystri nodes on loopback in this process (each one worker thread: its share of
 * the cores), a coordinator with one policy, and an open-loop replay of {@code users} users at a total of {@code rate}
 * requests per second and user (Poisson arrivals, each request from a uniformly drawn user, on a uniformly drawn evaluation
 * sample); {@code rate} is per user, so more users are more load. Each user has a deadline and an accuracy want (cycled over the given lists). Everything is measured: the
 * levels' costs by each node when it opens them, the answers against the samples' labels, the latencies from the
 * request's arrival to its answer.
 */
public final class DystriExperiment {
  /** The evaluation samples requests are drawn from: inputs of the model's input shape and their labels. */
  public record Samples(String input, Shape shape, float[][] x, int[] labels) {}

  /** A user: its deadline and accuracy want. */
  public record User(String name, double deadlineMs, double want) {}

  /**
   * What one run measured.
   *
   * @param missRate requests not served within their deadline (refused, late or failed) over all requests
   * @param accuracy the mean over served answers of their level's accuracy as measured on the evaluation split
   * @param answerAccuracy correct answers over answers served (this run's samples against their labels)
   * @param p99Ms 99th percentile latency of the served answers
   * @param fairness Jain's index of the users' on-time rates (1: all users equally well served)
   * @param worstUser the lowest on-time rate of any user
   * @param lost requests never answered (must be 0)
   * @param levelShare fraction of served answers at each level (cheapest first)
   */
  public record Result(String policy, int users, double rate, int requests, double missRate, double accuracy,
      double answerAccuracy, double p99Ms, double fairness, double worstUser, int refused, int late, int lost, double[] levelShare,
      double detectionMs, double missBeforeKill, double missAfterRecovery, List<String> events, double slowdown,
      Map<String, Integer> missCauses, long overruns, boolean modeled, Map<String, Integer> missesByDeadline) {}

  /**
   * Options of a run.
   *
   * @param slowdown the measured mode's node slowdown ({@link SlowedLevels}; 1: none); ignored when serviceMs is set
   * @param serviceMs each level's MODELED service time at every node ({@link ModeledLevels}), or null: the measured
   *     mode
   */
  public record Config(int nodes, List<SessionLevels.Spec> levels, SessionOptions session, int users, double rate,
      double seconds, List<Double> deadlinesMs, List<Double> wants, long seed, double killAtSeconds,
      double slowdown, double[] serviceMs) {
    boolean modeled() {
      return serviceMs != null;
    }
  }

  /**
   * Why a request missed its deadline, from its outcome: the bench's breakdown of the miss rate. Reasons are the
   * coordinator's and the node controller's own wording (Coordinator, NodeController, PeerClient).
   */
  static String missCause(Outcome o, boolean onTime) {
    if (o.served()) {
      return onTime ? null : "late";
    }
    String r = o.reason() == null ? "" : o.reason();
    if (r.contains("no node can answer")) {
      return "refused_by_coordinator";
    }
    if (r.contains("cannot meet the deadline")) {
      return "refused_at_node";
    }
    if (r.contains("deadline passed while queued")) {
      return "expired_in_queue";
    }
    if (r.contains("cannot finish in the")) {
      return "dropped_at_start";  // its lowest level's mean exceeded the time left when a worker took it
    }
    if (r.contains("before the deadline; cancelled")) {
      return "cancelled_at_deadline";
    }
    if (r.contains("deadline passed before the request could")) {
      return "expired_at_coordinator";
    }
    return "other";
  }

  private DystriExperiment() {}

  public static List<User> users(Config c) {
    List<User> out = new ArrayList<>();
    for (int u = 0; u < c.users(); u++) {
      out.add(new User("user" + u, c.deadlinesMs().get(u % c.deadlinesMs().size()),
          c.wants().get((u / c.deadlinesMs().size()) % c.wants().size())));
    }
    return out;
  }

  /** Runs one policy; {@code log} receives progress lines. */
  public static Result run(Config c, Policy policy, Samples samples, Consumer<String> log) throws InterruptedException {
    List<DystriNode> nodes = new ArrayList<>();
    Coordinator coordinator = null;
    List<String> events = new ArrayList<>();
    List<ModeledLevels> modeled = new ArrayList<>();
    try {
      List<Coordinator.Address> addresses = new ArrayList<>();
      LevelLadder ladder = null;
      for (int i = 0; i < c.nodes(); i++) {
        LevelExecutor levels = SessionLevels.open(c.levels(), c.session(), 20);
        if (c.modeled()) {
          ModeledLevels m = new ModeledLevels(levels, c.serviceMs());
          modeled.add(m);
          levels = m;
        } else if (c.slowdown() > 1) {
          levels = new SlowedLevels(levels, c.slowdown());
        }
        if (ladder == null) {
          ladder = levels.ladder();
        }
        DystriNode n = DystriNode.start("127.0.0.1", 0, levels, 1, 4096, TokenCheck.disabled(), null);
        nodes.add(n);
        addresses.add(new Coordinator.Address("127.0.0.1", n.port()));
      }
      coordinator = new Coordinator(addresses, ladder, Coordinator.Options.of(policy));
      long t0Events = System.nanoTime();
      coordinator.onEvent(e -> {
        synchronized (events) {
          events.add(String.format("%.3f s: %s", (System.nanoTime() - t0Events) / 1e9, e));
        }
      });
      Result r = replay(c, policy, samples, coordinator, nodes, events, log);
      long overruns = modeled.stream().mapToLong(ModeledLevels::overruns).sum();
      return new Result(r.policy(), r.users(), r.rate(), r.requests(), r.missRate(), r.accuracy(),
          r.answerAccuracy(), r.p99Ms(), r.fairness(), r.worstUser(), r.refused(), r.late(), r.lost(),
          r.levelShare(), r.detectionMs(), r.missBeforeKill(), r.missAfterRecovery(), r.events(), r.slowdown(),
          r.missCauses(), overruns, c.modeled(), r.missesByDeadline());
    } finally {
      if (coordinator != null) {
        coordinator.close();
      }
      nodes.forEach(DystriNode::close);
    }
  }

  private static Result replay(Config c, Policy policy, Samples samples, Coordinator coordinator,
      List<DystriNode> nodes, List<String> events, Consumer<String> log) throws InterruptedException {
    List<User> users = users(c);
    Random rnd = new Random(c.seed());
    double total = c.rate() * users.size();
    int n = (int) Math.max(1, Math.round(total * c.seconds()));
    long[] arrival = new long[n];
    int[] user = new int[n];
    int[] sample = new int[n];
    double t = 0;
    for (int i = 0; i < n; i++) {
      t += -Math.log(1 - rnd.nextDouble()) / total;
      arrival[i] = (long) (t * 1e9);
      user[i] = rnd.nextInt(users.size());
      sample[i] = rnd.nextInt(samples.labels().length);
    }
    double[] latency = new double[n];
    boolean[] served = new boolean[n];
    boolean[] correct = new boolean[n];
    boolean[] onTime = new boolean[n];
    boolean[] answered = new boolean[n];
    int[] level = new int[n];
    int[] refused = new int[1];
    Map<String, Integer> reasons = new java.util.TreeMap<>();
    Map<String, Integer> causes = new java.util.TreeMap<>();
    Map<String, String> firstReason = new java.util.HashMap<>();
    CompletableFuture<?>[] futures = new CompletableFuture<?>[n];
    long killAt = c.killAtSeconds() > 0 ? (long) (c.killAtSeconds() * 1e9) : Long.MAX_VALUE;
    long killedNanos = 0;
    // the previous run's nodes and sessions are garbage now: collect them before the clock starts rather than in the
    // first moments of this run, the same for every policy
    System.gc();
    LockSupport.parkNanos(200_000_000L);
    long start = System.nanoTime() + 20_000_000;
    for (int i = 0; i < n; i++) {
      long due = start + arrival[i];
      if (killedNanos == 0 && arrival[i] >= killAt) {
        LockSupport.parkNanos(start + killAt - System.nanoTime());
        killedNanos = System.nanoTime();
        nodes.get(0).kill();
        log.accept(String.format("killed node 0 at %.3f s", (killedNanos - start) / 1e9));
      }
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      User u = users.get(user[i]);
      long issued = Math.max(due, System.nanoTime() - 1_000_000);  // a late generator thread is not the system's
      Tensor x = Tensor.ofFloats(samples.shape(), samples.x()[sample[i]]);
      int k = i;
      futures[i] = coordinator.submit(u.name(), u.want(), issued + (long) (u.deadlineMs() * 1e6),
          Map.of(samples.input(), x)).thenAccept(o -> {
            long now = System.nanoTime();
            try (o) {
              synchronized (latency) {
                answered[k] = true;
                latency[k] = (now - issued) / 1e6;
                served[k] = o.served();
                level[k] = o.level();
                if (o.served()) {
                  correct[k] = argmax(o.outputs().values().iterator().next().toFloatArray())
                      == samples.labels()[sample[k]];
                  onTime[k] = latency[k] <= u.deadlineMs();
                }
                String cause = missCause(o, onTime[k]);
                if (cause != null) {
                  causes.merge(cause, 1, Integer::sum);
                }
                if (!o.served()) {
                  refused[0]++;
                  String key = o.reason() == null ? "?" : o.reason().replaceAll("[0-9.]+", "#");
                  if (reasons.merge(key, 1, Integer::sum) == 1) {
                    firstReason.put(key, String.format("at %.3f s: %s", arrival[k] / 1e9, o.reason()));
                  }
                }
              }
            }
          });
    }
    try {
      CompletableFuture.allOf(futures).get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      log.accept("not every request was answered within 60 s of the end: " + e);
    }
    synchronized (latency) {
      reasons.forEach((r, k) -> log.accept(policy.label() + ": refused " + k + "x: " + r + " (first " + firstReason.get(r)
          + ")"));
      return summarize(c, policy, users, user, arrival, latency, served, correct, onTime, answered, level,
          refused[0], killedNanos == 0 ? -1 : coordinator.downSinceNanos(0) == 0 ? Double.NaN
              : (coordinator.downSinceNanos(0) - killedNanos) / 1e6, killedNanos == 0 ? -1 : (killedNanos - start),
          coordinator.ladder().levels().stream().mapToDouble(l -> l.accuracy()).toArray(), events, causes);
    }
  }

  private static Result summarize(Config c, Policy policy, List<User> users, int[] user, long[] arrival,
      double[] latency, boolean[] served, boolean[] correct, boolean[] onTime, boolean[] answered, int[] level,
      int refused, double detectionMs, long killOffset, double[] ladderAccuracy, List<String> events,
      Map<String, Integer> causes) {
    int levels = ladderAccuracy.length;
    int n = latency.length;
    int misses = 0;
    int late = 0;
    int lost = 0;
    int servedCount = 0;
    int right = 0;
    double[] levelCount = new double[levels];
    double levelAccuracy = 0;
    int[] userTotal = new int[users.size()];
    int[] userOnTime = new int[users.size()];
    List<Double> servedLatency = new ArrayList<>();
    Map<String, Integer> byDeadline = new java.util.TreeMap<>();
    int beforeN = 0;
    int beforeMiss = 0;
    int afterN = 0;
    int afterMiss = 0;
    for (int i = 0; i < n; i++) {
      userTotal[user[i]]++;
      if (!answered[i]) {
        lost++;
      }
      boolean ok = answered[i] && served[i] && onTime[i];
      if (ok) {
        userOnTime[user[i]]++;
      } else {
        misses++;
        byDeadline.merge(String.format("%.0f ms", users.get(user[i]).deadlineMs()), 1, Integer::sum);
      }
      if (served[i]) {
        servedCount++;
        right += correct[i] ? 1 : 0;
        servedLatency.add(latency[i]);
        levelCount[level[i]]++;
        levelAccuracy += ladderAccuracy[level[i]];
        if (!onTime[i]) {
          late++;
        }
      }
      if (killOffset >= 0) {
        if (arrival[i] < killOffset) {
          beforeN++;
          beforeMiss += ok ? 0 : 1;
        } else if (arrival[i] >= killOffset + 1_000_000_000L) {
          afterN++;  // from one second after the kill: the recovered state
          afterMiss += ok ? 0 : 1;
        }
      }
    }
    double sum = 0;
    double sumSq = 0;
    double worst = 1;
    int active = 0;
    for (int u = 0; u < users.size(); u++) {
      if (userTotal[u] == 0) {
        continue;
      }
      double r = userOnTime[u] / (double) userTotal[u];
      sum += r;
      sumSq += r * r;
      worst = Math.min(worst, r);
      active++;
    }
    double fairness = sumSq == 0 ? 0 : sum * sum / (active * sumSq);
    for (int i = 0; i < levels; i++) {
      levelCount[i] = servedCount == 0 ? 0 : levelCount[i] / servedCount;
    }
    List<String> ev;
    synchronized (events) {
      ev = List.copyOf(events);
    }
    return new Result(policy.label() + (killOffset >= 0 ? "+kill" : ""), c.users(), c.rate(), n,
        misses / (double) n, servedCount == 0 ? 0 : levelAccuracy / servedCount,
        servedCount == 0 ? 0 : right / (double) servedCount, percentile(servedLatency, 0.99),
        fairness, worst, refused, late, lost, levelCount, detectionMs,
        beforeN == 0 ? -1 : beforeMiss / (double) beforeN, afterN == 0 ? -1 : afterMiss / (double) afterN, ev,
        c.slowdown(), new java.util.TreeMap<>(causes), 0, c.modeled(), byDeadline);
  }

  static double percentile(List<Double> values, double q) {
    if (values.isEmpty()) {
      return 0;
    }
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    return v[Math.min(v.length - 1, (int) Math.ceil(q * v.length) - 1)];
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}

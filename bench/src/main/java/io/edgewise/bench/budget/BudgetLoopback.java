package io.edgewise.bench.budget;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.EdgewiseException;
import io.edgewise.files.FileTrees;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.client.BudgetedCall;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.client.LocalFallback;
import io.edgewise.serve.client.RemoteException;
import io.edgewise.serve.common.InferenceScheduler;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.common.ServeMetrics;
import io.edgewise.serve.common.ServedModel;
import io.edgewise.serve.common.TokenAuthenticator;
import io.edgewise.serve.http.HttpInferenceServer;
import io.edgewise.serve.peer.EmulatedLink;
import io.edgewise.serve.peer.EmulatedLinkProxy;
import io.edgewise.tensor.Tensor;
import io.edgewise.train.Dataset;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * MDInference's experiment end to end on loopback: a real {@code serve} server in this process serves the group twice
 * from a temporary repository (as "GROUP" with gamma 1, MDInference's rule, and as "GROUP-greedy" with gamma 0, greedy
 * by mean), measuring its variants' latencies itself; each device is an {@link EdgewiseClient} whose connection
 * crosses an {@link EmulatedLinkProxy}, whose one-way delay is set before every request to half a round trip drawn
 * from the link's normal distribution (truncated at 0); the device's network estimate is what its client measured.
 * Every policy at every SLA is one device sending its requests one after the other, all devices at once, each drawing
 * the same sequence of test samples and round trips (paired comparison). Policies: static (each variant pinned, no
 * budget), greedy by mean, MDInference, MDInference with the on-device fallback (the locally fastest variant, run
 * here, its measured time stretched to --device-slowdown times by sleeping: the device is modeled as that much
 * slower than this machine). An answer's accuracy is its score ({@link EvalSamples}: top-1 right or wrong for a
 * classifier, 1 - CER for a recogniser) when it came within the SLA, else 0; a request the server dropped (504) or
 * answered late is a violation.
 */
public final class BudgetLoopback {
  /** A variant: its model file and measured accuracy. */
  public record Variant(String name, Path model, double accuracy) {}

  /**
   * One policy at one SLA: the row, plus how often the fallback answered, the server's choices, the answers
   * that came after the SLA, the largest hand-over time the budgeted client measured, the p99 of the fallback's
   * last 200 runs as measured here, stalls included (ms; NaN without a fallback): where that p99 exceeds the SLA, the
   * target's condition (SLA >= the local variant's p99) did not hold on this machine, whatever the modeled device's;
   * and the largest release margin a call of the row was planned with (how early a held answer was let go, ms).
   */
  public record Row(String policy, String link, double slaMs, double accuracy, double slaAttainment, double meanMs,
      double localShare, Map<String, Integer> served, int late, double maxHandoverMs, double localMeasuredP99Ms,
      double maxMarginMs) {}

  /** Requests each device sends first, uncounted: connections open and the network estimate learns the link. */
  static final int WARMUP = 10;
  private static final String TOKEN_BYTES = "budget-bench-token-0123456789";

  private final String group;
  private final List<Variant> variants;
  private final String device;
  private final EvalSamples test;
  private final double slowdown;
  private final double mbps;
  private final BudgetedCall.Mode mode;
  private final Consumer<String> log;
  private String localVariant;
  private double localMedianMs;
  private double localP99Ms;

  /** A classifier group scored on its test split. */
  public BudgetLoopback(String group, List<Variant> variants, String device, Dataset test, double slowdown,
      double mbps, BudgetedCall.Mode mode, Consumer<String> log) {
    this(group, variants, device, new DatasetSamples(test, variants.get(0).model()), slowdown, mbps, mode, log);
  }

  /** Any group scored on these samples (e.g. {@link OcrLineSamples}: 1 - CER of a recogniser). */
  public BudgetLoopback(String group, List<Variant> variants, String device, EvalSamples test, double slowdown,
      double mbps, BudgetedCall.Mode mode, Consumer<String> log) {
    this.group = group;
    this.variants = List.copyOf(variants);
    this.device = device;
    this.test = test;
    this.slowdown = slowdown;
    this.mbps = mbps;
    this.mode = mode;
    this.log = log;
  }

  public String localVariant() {
    return localVariant;
  }

  /**
   * The fallback's time on the modeled device (its median here times the slowdown; every local run sleeps up to it),
   * ms: its p99 unless this machine's own run takes longer.
   */
  public double localP99Ms() {
    return localP99Ms;
  }

  /** The policies in row order. */
  List<String> policies() {
    List<String> p = new ArrayList<>();
    for (Variant v : variants) {
      p.add("static:" + v.name());
    }
    p.add("greedy");
    p.add("mdinference");
    p.add("mdinference+fallback");
    return p;
  }

  /** Runs every policy at every SLA over each link; rows in link, SLA, policy order. */
  public List<Row> run(List<BudgetSimulation.Link> links, double[] slas, int requests, long seed) throws IOException {
    Path work = Files.createTempDirectory("budget-bench-");
    try {
      Path repo = repository(work);
      String token = TOKEN_BYTES;
      ServeLimits limits = ServeLimits.defaults();
      try (ModelRepository repository = ModelRepository.open(repo, SessionOptions.defaults().withDevice(device));
          InferenceScheduler scheduler = new InferenceScheduler(limits)) {
        for (ServedModel m : repository.all()) {
          if (!m.isReady()) {
            throw EdgewiseException.invalidArgument(m.label() + " failed to load: " + m.failure());
          }
        }
        HttpInferenceServer server = HttpInferenceServer.start(new HttpInferenceServer.Config("127.0.0.1", 0,
            repository, TokenAuthenticator.of(List.of(token)), limits, scheduler, new ServeMetrics(scheduler), null,
            2, Duration.ofSeconds(30)));
        List<Session> locals = new ArrayList<>();
        try {
          int fastest = fastestLocal();
          List<Row> rows = new ArrayList<>();
          for (BudgetSimulation.Link link : links) {
            log.accept("link " + link.name() + ": " + (variants.size() + 3 * slas.length) + " devices, "
                + requests + " requests each");
            rows.addAll(runLink(link, slas, requests, seed, server, token, fastest, locals));
          }
          return rows;
        } finally {
          server.close();
          try {
            scheduler.shutdown(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          locals.forEach(Session::close);
        }
      }
    } finally {
      FileTrees.deleteQuietly(work);
    }
  }

  /**
   * One link: a device per policy (and per SLA but for the static ones, whose answers do not depend on it and are
   * judged against every SLA), grouped in lanes that run at once: one lane of the static devices, one per SLA of the
   * budgeted ones. A lane sends request i of each of its devices in turn, all with the same test sample and round
   * trip, so that at most one request per lane is in flight (fewer threads competing with the server for the CPU).
   */
  private List<Row> runLink(BudgetSimulation.Link link, double[] slas, int requests, long seed,
      HttpInferenceServer server, String token, int fastest, List<Session> locals) {
    List<List<Device>> lanes = new ArrayList<>();
    List<Device> statics = new ArrayList<>();
    for (Variant v : variants) {
      statics.add(new Device("static:" + v.name(), Double.NaN, null));
    }
    lanes.add(statics);
    for (double sla : slas) {
      Session s = Session.open(variants.get(fastest).model(), SessionOptions.defaults().withDevice(device));
      locals.add(s);
      LocalFallback fallback = slowed(variants.get(fastest).name(), s);
      fallback.profile(input(0), 20);
      lanes.add(List.of(new Device("greedy", sla, null), new Device("mdinference", sla, null),
          new Device("mdinference+fallback", sla, fallback)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(lanes.size());
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (List<Device> lane : lanes) {
        futures.add(pool.submit(() -> {
          lane(lane, link, requests, seed, server, token);
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw EdgewiseException.invalidArgument("budget-bench: interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
    List<Row> rows = new ArrayList<>();
    for (double sla : slas) {
      for (List<Device> lane : lanes) {
        for (Device d : lane) {
          if (Double.isNaN(d.sla) || d.sla == sla) {
            rows.add(d.row(link.name(), sla));
          }
        }
      }
    }
    return rows;
  }

  /** One device: its policy, SLA (NaN for a static one), fallback, and what its requests measured. */
  private static final class Device {
    final String policy;
    final double sla;
    final LocalFallback fallback;
    final List<double[]> results = new ArrayList<>();  // {ms, answered 0/1, score, local 0/1, hand-over ms, margin ms}
    final List<String> servedBy = new ArrayList<>();

    Device(String policy, double sla, LocalFallback fallback) {
      this.policy = policy;
      this.sla = sla;
      this.fallback = fallback;
    }

    Row row(String link, double slaMs) {
      int onTime = 0;
      double accurate = 0;
      int local = 0;
      int late = 0;
      double sum = 0;
      double handover = Double.NaN;
      double margin = Double.NaN;
      for (double[] r : results) {
        sum += r[0];
        local += (int) r[3];
        if (r[1] == 1 && r[0] <= slaMs) {
          onTime++;
          accurate += r[2];
        } else if (r[1] == 1) {
          late++;
        }
        handover = Double.isNaN(handover) || r[4] > handover ? r[4] : handover;
        margin = Double.isNaN(margin) || r[5] > margin ? r[5] : margin;
      }
      Map<String, Integer> served = new LinkedHashMap<>();
      servedBy.forEach(v -> served.merge(v, 1, Integer::sum));
      int n = results.size();
      return new Row(policy, link, slaMs, accurate / n, onTime / (double) n, sum / n, local / (double) n,
          served, late, handover, fallback == null ? Double.NaN : fallback.expectedMs(), margin);
    }
  }

  /** A lane's devices, each with its own link and client; request i of each in turn. */
  private void lane(List<Device> devices, BudgetSimulation.Link link, int requests, long seed,
      HttpInferenceServer server, String token) {
    List<EmulatedLink.Conditions> conditions = new ArrayList<>();
    List<EmulatedLinkProxy> proxies = new ArrayList<>();
    List<EdgewiseClient> clients = new ArrayList<>();
    try {
      for (int k = 0; k < devices.size(); k++) {
        conditions.add(new EmulatedLink.Conditions(mbps, 0));
        proxies.add(EmulatedLinkProxy.start(new InetSocketAddress("127.0.0.1", server.port()), conditions.get(k)));
        clients.add(EdgewiseClient.builder(proxies.get(k).url()).token(token).requestTimeout(Duration.ofSeconds(60))
            .build());
      }
      Random warm = new Random(seed + 1);
      for (int i = 0; i < WARMUP; i++) {
        int sample = warm.nextInt(test.size());
        double rtt = roundTrip(link, warm);
        for (int k = 0; k < devices.size(); k++) {
          conditions.get(k).set(mbps, rtt / 2);
          Map<String, Tensor> x = input(sample);
          try (Outcome o = request(devices.get(k), clients.get(k), x)) {
            // uncounted
          } finally {
            x.values().forEach(Tensor::close);
          }
        }
      }
      Random rnd = new Random(seed);
      for (int i = 0; i < requests; i++) {
        int sample = rnd.nextInt(test.size());
        double rtt = roundTrip(link, rnd);
        for (int k = 0; k < devices.size(); k++) {
          Device d = devices.get(k);
          conditions.get(k).set(mbps, rtt / 2);
          Map<String, Tensor> x = input(sample);
          long t0 = System.nanoTime();
          try (Outcome o = request(d, clients.get(k), x)) {
            double ms = (System.nanoTime() - t0) / 1e6;
            if (d.fallback != null && o.outputs != null && ms > d.sla) {
              // when (JVM uptime, as -Xlog's uptime decoration) and how: to set beside GC and safepoint logs
              log.accept(String.format(java.util.Locale.ROOT,
                  "late: %s %s %.0f ms, request %d, ended at uptime %.3f s: %.1f ms (in the budgeted call %.1f ms, "
                  + "hand-over %.1f ms, %s; margin %.1f ms)", link.name(), d.policy, d.sla, i,
                  java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1e3, ms, o.elapsedMs,
                  o.handoverMs, o.local ? "local" : "server", o.marginMs));
            }
            double score = o.outputs != null ? test.score(sample, o.outputs) : 0;
            d.results.add(new double[] {ms, o.outputs != null ? 1 : 0, score, o.local ? 1 : 0, o.handoverMs,
                o.marginMs});
            d.servedBy.add(o.outputs == null ? "dropped" : o.local ? "local:" + o.variant : o.variant);
          } finally {
            x.values().forEach(Tensor::close);
          }
        }
      }
    } finally {
      clients.forEach(EdgewiseClient::close);
      proxies.forEach(EmulatedLinkProxy::close);
    }
  }

  /**
   * An answer (outputs null when the server refused or dropped it), which side gave it, the variant and the budgeted
   * client's hand-over time and the margin it kept for it (NaN without a fallback).
   */
  private record Outcome(Map<String, Tensor> outputs, boolean local, String variant, double handoverMs,
      double elapsedMs, double marginMs)
      implements AutoCloseable {
    @Override
    public void close() {
      if (outputs != null) {
        outputs.values().forEach(Tensor::close);
      }
    }
  }

  private Outcome request(Device d, EdgewiseClient client, Map<String, Tensor> x) {
    try {
      if (d.policy.startsWith("static:")) {
        String v = d.policy.substring("static:".length());
        EdgewiseClient.Answer a = client.infer(group, null, x, true, Map.of("variant", v));
        return new Outcome(a.outputs(), false, v, Double.NaN, Double.NaN, Double.NaN);
      }
      if (d.fallback != null) {
        EdgewiseClient.BudgetedAnswer a = client.infer(group, x, d.sla, d.fallback, mode);
        return new Outcome(a.outputs(), a.local(), a.variant(), a.handoverMs(), a.elapsedMs(), a.marginMs());
      }
      EdgewiseClient.Answer a = client.inferWithin(d.policy.equals("greedy") ? group + "-greedy" : group, x, d.sla,
          null);
      return new Outcome(a.outputs(), false, a.parameters().get("edgewise_variant").asText(), Double.NaN,
          Double.NaN, Double.NaN);
    } catch (RemoteException e) {
      if (e.status() != 504) {
        throw e;
      }
      return new Outcome(null, false, null, Double.NaN, Double.NaN, Double.NaN);
    }
  }

  private static double roundTrip(BudgetSimulation.Link link, Random r) {
    return Math.max(0, link.meanMs() + link.sdMs() * r.nextGaussian());
  }

  /**
   * The fallback: the session's run (its answer), then a sleep up to the modeled device's time, --device-slowdown
   * times the variant's median here (a run slower than that on this busy machine is not shortened).
   */
  private LocalFallback slowed(String name, Session s) {
    long target = (long) (localMedianMs * slowdown * 1e6);
    return new LocalFallback(name, in -> {
      long t0 = System.nanoTime();
      Map<String, Tensor> out = s.run(in);
      long left = target - (System.nanoTime() - t0);
      try {
        TimeUnit.NANOSECONDS.sleep(Math.max(0, left));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();  // keep the interrupt for the caller
      }
      return out;
    });
  }

  /** The variant fastest here (median of 30 runs each, round-robin); sets the fallback's modeled p99. */
  private int fastestLocal() {
    List<Session> sessions = new ArrayList<>();
    double[][] ms = new double[variants.size()][30];
    try {
      for (Variant v : variants) {
        sessions.add(Session.open(v.model(), SessionOptions.defaults().withDevice(device)));
      }
      Map<String, Tensor> x = input(0);
      try {
        for (int r = -5; r < 30; r++) {
          for (int i = 0; i < sessions.size(); i++) {
            long t0 = System.nanoTime();
            sessions.get(i).run(x).values().forEach(Tensor::close);
            if (r >= 0) {
              ms[i][r] = (System.nanoTime() - t0) / 1e6;
            }
          }
        }
      } finally {
        x.values().forEach(Tensor::close);
      }
    } finally {
      sessions.forEach(Session::close);
    }
    int best = 0;
    for (int i = 0; i < ms.length; i++) {
      Arrays.sort(ms[i]);
      if (ms[i][15] < ms[best][15]) {
        best = i;
      }
    }
    localVariant = variants.get(best).name();
    localMedianMs = ms[best][15];
    localP99Ms = localMedianMs * slowdown;
    return best;
  }

  private Map<String, Tensor> input(int i) {
    return test.input(i);
  }

  /** The repository: GROUP (gamma 1) and GROUP-greedy (gamma 0), each with copies of the variant files. */
  private Path repository(Path work) throws IOException {
    Path repo = Files.createDirectories(work.resolve("repo"));
    writeGroups(repo, new String[][] {{group, "1"}, {group + "-greedy", "0"}}, 60000);
    return repo;
  }

  /**
   * Writes the group into a model repository for {@code edgewise serve --models DIR}: DIR/GROUP/config.json
   * ("pipeline": "group", gamma 1, the given default budget) and copies of the variants' files beside it.
   */
  public void writeRepository(Path repo, double defaultBudgetMs) throws IOException {
    writeGroups(Files.createDirectories(repo), new String[][] {{group, "1"}}, defaultBudgetMs);
  }

  private void writeGroups(Path repo, String[][] groups, double defaultBudgetMs) throws IOException {
    ObjectMapper json = new ObjectMapper();
    for (String[] g : groups) {
      Path dir = Files.createDirectories(repo.resolve(g[0]));
      List<Map<String, Object>> vs = new ArrayList<>();
      for (Variant v : variants) {
        Files.copy(v.model(), dir.resolve(v.name() + ".onnx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", v.name());
        m.put("model", v.name() + ".onnx");
        m.put("accuracy", v.accuracy());
        vs.add(m);
      }
      Map<String, Object> config = new LinkedHashMap<>();
      config.put("pipeline", "group");
      config.put("gamma", Double.parseDouble(g[1]));
      config.put("time_budget_ms", defaultBudgetMs);
      config.put("profile_runs", 50);
      config.put("variants", vs);
      json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
    }
  }
}

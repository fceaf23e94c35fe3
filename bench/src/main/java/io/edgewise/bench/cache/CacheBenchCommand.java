package io.edgewise.bench.cache;

import io.edgewise.EdgewiseException;
import io.edgewise.cli.DeviceOption;
import io.edgewise.cli.Json;
import io.edgewise.cli.JsonOption;
import io.edgewise.cli.Main;
import io.edgewise.files.FileTrees;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.cache.CacheEntry;
import io.edgewise.serve.cache.CachePolicy;
import io.edgewise.serve.cache.CacheSimulator;
import io.edgewise.serve.cache.CremeBruleePolicy;
import io.edgewise.serve.client.EdgewiseClient;
import io.edgewise.serve.common.InferenceScheduler;
import io.edgewise.serve.common.ModelControl;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.RepositoryOptions;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.common.ServeMetrics;
import io.edgewise.serve.common.TokenAuthenticator;
import io.edgewise.serve.http.HttpInferenceServer;
import io.edgewise.tensor.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "cache-bench", description = {
    "The model cache under a memory budget, measured: serves the models (and weight variants of them, so the",
    "population outgrows the budget) with `serve --memory-budget` in-process, one server per eviction policy, and",
    "replays a request trace over HTTP on loopback to all of them in lockstep (one request at a time) with real",
    "loads; reports per policy the hit rate, the latency the loads added (total and p99 per request), the peak",
    "measured model memory and failed requests."})
public final class CacheBenchCommand implements Callable<Integer> {
  @Option(names = "--models", paramLabel = "DIR",
      description = "Model sources: directories holding model.onnx, directories of them or of .onnx files, or .onnx "
          + "files (repeatable).")
  List<Path> models;

  @Option(names = "--budget", paramLabel = "B", defaultValue = "half",
      description = "Memory budget: a size (256MiB, 1GiB) or 'half' (half the models' measured memory) "
          + "(default: ${DEFAULT-VALUE}).")
  String budget;

  @Option(names = "--trace", paramLabel = "FILE", description = "Replay this trace: one model name per line.")
  Path traceFile;

  @Option(names = "--zipf", paramLabel = "S", description = "A Zipf trace of exponent S (default when no trace is "
      + "named: both a Zipf trace of S = 1 and an Azure-shaped one).")
  Double zipf;

  @Option(names = "--azure", description = "An Azure-Functions-shaped trace (idle models, bursts, diurnal swing).")
  boolean azure;

  @Option(names = "--requests", paramLabel = "N", defaultValue = "1000",
      description = "Requests per generated trace (default: ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--variants", paramLabel = "K", defaultValue = "3",
      description = "Copies with scaled weights per model (default: ${DEFAULT-VALUE}).")
  int variants;

  @Option(names = "--zoo", paramLabel = "KIND", split = ",",
      description = "Also the model zoo's variants of each model, beside the weight copies: int8 (QDQ, minmax ranges "
          + "from one request input), fp16, pruned50 (half the channels, not fine-tuned); named MODEL_KIND. A variant "
          + "the zoo cannot make is skipped with its reason.")
  List<String> zoo = List.of();

  @Option(names = "--policies", paramLabel = "P", split = ",",
      defaultValue = "cremebrulee,lru,lfu,random,belady",
      description = "Eviction policies to compare (default: ${DEFAULT-VALUE}).")
  List<String> policies;

  @Option(names = "--cremebrulee", paramLabel = "A,B,H", split = ",",
      description = "CremeBrulee's popularity exponent a, load-cost exponent b and popularity half-life in requests "
          + "(default: the server's, 1,1," + (int) CremeBruleePolicy.DEFAULT_HALF_LIFE + ").")
  List<Double> cremebrulee;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "7",
      description = "Seed of the traces and of random eviction (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--simulate", description = "Replay without serving: each model's measured size and load time, "
      + "the repository's eviction arithmetic (rows labelled simulated); for trying policies on long traces.")
  boolean simulate;

  @Option(names = "--population", paramLabel = "FILE",
      description = "With --simulate: the models' measured sizes and load times from an earlier `cache-bench --json` "
          + "output (its population list) instead of building and measuring them (--models is then not needed).")
  Path populationFile;

  @Option(names = "--seeds", paramLabel = "N", defaultValue = "0",
      description = "With --simulate: replay the Zipf (S = 1) and Azure-shaped traces of N seeds (from --seed) and "
          + "report each policy's means (default: ${DEFAULT-VALUE}: the one trace of --seed).")
  int seeds;

  @Option(names = "--sweep", description = "With --simulate and --seeds N: score a grid of CremeBrulee's parameters "
      + "on N training seeds, then report the best, the server's default and the other policies on N held-out seeds.")
  boolean sweep;

  @Option(names = "--load-noise", paramLabel = "SIGMA", defaultValue = "0.3",
      description = "With --simulate --seeds: each reload takes the measured time times a log-normal factor of this "
          + "sigma (mean 1; a busy machine); a model's first load its measured first-load time (default: "
          + "${DEFAULT-VALUE}).")
  double loadNoise;

  @Option(names = "--serve-process", description = "Instead of the in-process servers: run `edgewise serve "
      + "--memory-budget` as its own JVM with the first of --policies, replay each trace to it and read its RSS after "
      + "each request (the overhead of the JVM and the allocator over the budget).")
  boolean serveProcess;

  @Option(names = "--serve-heap", paramLabel = "FLAG", defaultValue = "-Xmx512m",
      description = "The heap flag of the --serve-process JVM (default: ${DEFAULT-VALUE}, as ./edgewise serve).")
  String serveHeap;

  @Option(names = "--stress", paramLabel = "S",
      description = "Instead of the traces: load/unload stress for S seconds (explicit control under the budget; "
          + "--clients send inference while one thread unloads and loads models); reports statuses, errors, leaks.")
  Integer stressSeconds;

  @Option(names = "--clients", paramLabel = "N", defaultValue = "64",
      description = "Concurrent clients of --stress (default: ${DEFAULT-VALUE}).")
  int clients;

  @Mixin
  DeviceOption device = new DeviceOption();

  @Mixin
  JsonOption json = new JsonOption();

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** One policy on one trace, measured; byModel: per model that loaded, {loads, load seconds in all}. */
  record Row(String policy, String trace, long requests, double hitRate, double addedLoadSeconds, double p99AddedMs,
      long peakBytes, long rssPeakBytes, long failures, long loads, long evictions, long overBudget,
      Map<String, double[]> byModel) {}

  /** The zoo variants the zoo could not make, with its reasons (reported in the output). */
  private final Map<String, String> zooSkipped = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    if (requests < 1 || variants < 0 || variants > 50) {
      throw Main.usage(spec, "--requests must be positive and --variants in 0..50");
    }
    for (String p : policies) {
      if (!CachePolicy.NAMES.contains(p)) {
        throw Main.usage(spec, "unknown policy '" + p + "'; known: " + CachePolicy.NAMES);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (seeds < 0 || seeds > 1000 || loadNoise < 0 || loadNoise > 3) {
      throw Main.usage(spec, "--seeds must be in 0..1000 and --load-noise in 0..3");
    }
    if ((seeds > 0 || sweep || populationFile != null) && !simulate) {
      throw Main.usage(spec, "--seeds, --sweep and --population need --simulate");
    }
    if (sweep && seeds == 0) {
      throw Main.usage(spec, "--sweep needs --seeds N (N training and N held-out seeds)");
    }
    if (populationFile != null) {
      Map<String, double[]> pop = readPopulation(populationFile);
      return simulateSeeds(out, pop, "population of " + populationFile);
    }
    if (models == null || models.isEmpty()) {
      throw Main.usage(spec, "--models is required (or --simulate --population FILE)");
    }
    String dev = device.name().equals("auto") ? "cpu" : device.name();
    SessionOptions sessionOptions = SessionOptions.defaults().withDevice(dev);
    Path repo = Files.createTempDirectory("edgewise-cache-bench");
    List<ModelPopulation.Member> members = List.of();
    try {
      List<String> zooKinds;
      try {
        zooKinds = ZooVariants.parse(zoo);
      } catch (EdgewiseException e) {
        throw Main.usage(spec, e.getMessage());
      }
      PrintWriter errOut = err;
      members = ModelPopulation.build(models, variants, zooKinds, repo, (name, why) -> {
        zooSkipped.put(name, why);
        errOut.println("cache-bench: zoo variant " + name + " skipped: " + why);
        errOut.flush();
      });
      List<String> names = members.stream().map(ModelPopulation.Member::name).toList();
      err.printf("cache-bench: %d models in %s; measuring each one's load time and memory (one at a time)%n",
          members.size(), repo);
      err.flush();
      Map<String, long[]> measured = calibrate(repo, sessionOptions, names);
      long total = measured.values().stream().mapToLong(v -> v[0]).sum();
      long budgetBytes = budget.equals("half") ? total / 2 : parseBudget();
      long largest = measured.values().stream().mapToLong(v -> v[0]).max().orElse(0);
      if (largest > budgetBytes) {
        throw Main.usage(spec, "--budget " + budgetBytes + " bytes is smaller than the largest model ("
            + largest + " bytes)");
      }
      if (stressSeconds != null) {
        return stress(out, repo, sessionOptions, members, budgetBytes, dev);
      }
      if (simulate && seeds > 0) {
        Map<String, double[]> pop = new LinkedHashMap<>();
        measured.forEach((name, v) -> pop.put(name, new double[] {v[0], v[1] / 1e6, v[2] / 1e6}));
        return simulateSeeds(out, pop, "measured on device " + dev);
      }
      List<CacheTraces.Trace> traces = new ArrayList<>();
      if (traceFile != null) {
        traces.add(CacheTraces.file(traceFile, names));
      }
      if (zipf != null) {
        traces.add(CacheTraces.zipf(names, zipf, requests, seed));
      }
      if (azure) {
        traces.add(CacheTraces.azure(names, requests, seed));
      }
      if (traces.isEmpty()) {
        traces.add(CacheTraces.zipf(names, 1.0, requests, seed));
        traces.add(CacheTraces.azure(names, requests, seed));
      }
      if (serveProcess) {
        return serveProcess(out, repo, members, traces, budgetBytes, dev);
      }
      long rssBase = rssBytes();
      List<Row> rows = new ArrayList<>();
      for (CacheTraces.Trace trace : traces) {
        err.println("trace " + trace.name() + ": " + trace.parameters());
        List<Row> traceRows = new ArrayList<>();
        if (simulate) {
          for (String policy : policies) {
            traceRows.add(simulated(measured, trace, policy, budgetBytes));
          }
        } else {
          traceRows.addAll(replay(repo, sessionOptions, members, trace, budgetBytes));
        }
        for (Row row : traceRows) {
          err.printf("  %-12s hit rate %.3f, added load %.2f s, p99 %.1f ms, peak %d bytes, %d failures%n",
              row.policy(), row.hitRate(), row.addedLoadSeconds(), row.p99AddedMs(), row.peakBytes(), row.failures());
        }
        err.flush();
        rows.addAll(traceRows);
      }
      if (json.enabled()) {
        out.println(Json.write(toJson(dev, members, measured, total, budgetBytes, traces, rows, rssBase)));
      } else {
        print(out, dev, members, measured, total, budgetBytes, traces, rows, rssBase);
      }
      out.flush();
      return rows.stream().anyMatch(r -> r.failures() > 0 || r.overBudget() > 0) ? Main.EXIT_FAILURE : 0;
    } finally {
      ModelPopulation.close(members);
      FileTrees.delete(repo);
    }
  }

  private int stress(PrintWriter out, Path repo, SessionOptions options, List<ModelPopulation.Member> members,
      long budgetBytes, String dev) throws InterruptedException {
    if (stressSeconds < 1 || clients < 1 || clients > 1024) {
      throw Main.usage(spec, "--stress needs S >= 1 and --clients in 1..1024");
    }
    spec.commandLine().getErr().printf("stress: %d clients for %d s over %d models, budget %d bytes%n", clients,
        stressSeconds, members.size(), budgetBytes);
    LoadUnloadStress.Result r = LoadUnloadStress.run(repo, options, members, budgetBytes, clients, stressSeconds,
        seed);
    if (json.enabled()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("mode", "stress");
      row.put("clients", clients);
      row.put("seconds", stressSeconds);
      row.put("requests", r.requests());
      row.put("by_status", r.byStatus());
      row.put("errors", r.errors());
      row.put("first_errors", r.firstErrors());
      row.put("control_ops", r.controlOps());
      row.put("leases_open_at_end", r.leasesAtEnd());
      row.put("tensors_left", r.tensorsLeft());
      row.put("native_bytes_left", r.nativeBytesLeft());
      row.put("peak_bytes", r.peakBytes());
      row.put("budget_bytes", r.budget());
      row.put("label", "measured");
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("measured", "in this process on device " + dev + ", HTTP on loopback");
      m.put("rows", List.of(row));
      out.println(Json.write(m));
    } else {
      out.printf("load/unload stress, measured on loopback, device %s: %d clients for %d s over %d models, budget %d "
          + "bytes%n", dev, clients, stressSeconds, members.size(), budgetBytes);
      out.printf("requests %d by status %s; load/unload calls %d; errors (not 200 or 503) %d%n", r.requests(),
          r.byStatus(), r.controlOps(), r.errors());
      r.firstErrors().forEach(e -> out.println("  error: " + e));
      out.printf("after close: leases open %d, tensors left %d, native bytes left %d; peak model memory %d bytes%n",
          r.leasesAtEnd(), r.tensorsLeft(), r.nativeBytesLeft(), r.peakBytes());
    }
    out.flush();
    boolean clean = r.errors() == 0 && r.leasesAtEnd() == 0 && r.tensorsLeft() == 0 && r.nativeBytesLeft() == 0;
    return clean ? 0 : Main.EXIT_FAILURE;
  }

  /** --serve-process: each trace replayed to a serve process of its own JVM; its RSS measured (ServeProcessRss). */
  private int serveProcess(PrintWriter out, Path repo, List<ModelPopulation.Member> members,
      List<CacheTraces.Trace> traces, long budgetBytes, String dev) throws IOException, InterruptedException {
    if (!serveHeap.matches("-Xmx[0-9]+[kKmMgG]?")) {
      throw Main.usage(spec, "--serve-heap takes -XmxSIZE, got '" + serveHeap + "'");
    }
    Map<String, ModelPopulation.Member> byName = new LinkedHashMap<>();
    members.forEach(m -> byName.put(m.name(), m));
    String policy = policies.get(0);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (CacheTraces.Trace trace : traces) {
      spec.commandLine().getErr().println("trace " + trace.name() + " to a serve process (" + serveHeap + ", policy "
          + policy + "): " + trace.parameters());
      ServeProcessRss.Result r = ServeProcessRss.run(repo, byName, trace.requests(), budgetBytes, policy, dev,
          serveHeap);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("mode", "serve-process");
      row.put("trace", trace.name());
      row.put("policy", policy);
      row.put("heap", r.heap());
      row.put("requests", r.requests());
      row.put("failures", r.failures());
      row.put("budget_bytes", r.budget());
      row.put("model_bytes_peak", r.modelBytesPeak());
      row.put("rss_ready_bytes", r.rssReady());
      row.put("rss_peak_bytes", r.rssPeak());
      row.put("rss_end_bytes", r.rssEnd());
      row.put("rss_high_water_bytes", r.rssHighWater());
      row.put("rss_peak_over_budget_bytes", r.rssPeak() - r.budget());
      long[] sorted = r.rssAfter().clone();
      java.util.Arrays.sort(sorted);
      row.put("rss_median_bytes", sorted[sorted.length / 2]);
      row.put("malloc_env", mallocEnv());
      row.put("label", "measured");
      rows.add(row);
    }
    if (json.enabled()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("measured", "RSS of an `edgewise serve --memory-budget` process (its own JVM, " + serveHeap + ", device "
          + dev + ") read from /proc after each request of the trace, sent over HTTP on loopback one at a time");
      m.put("models", members.size());
      m.put("rows", rows);
      out.println(Json.write(m));
    } else {
      out.printf("serve process (%s, device %s), RSS measured after each request; malloc env: %s%n", serveHeap, dev,
          mallocEnv());
      for (Map<String, Object> r : rows) {
        out.printf("%-8s %-12s budget %,d; model memory peak %,d; RSS ready %,d, median %,d, peak %,d (peak - budget "
            + "%,d), end %,d; failures %d of %d%n", r.get("trace"), r.get("policy"), r.get("budget_bytes"),
            r.get("model_bytes_peak"), r.get("rss_ready_bytes"), r.get("rss_median_bytes"), r.get("rss_peak_bytes"),
            r.get("rss_peak_over_budget_bytes"), r.get("rss_end_bytes"), r.get("failures"), r.get("requests"));
      }
    }
    out.flush();
    return rows.stream().anyMatch(r -> ((Long) r.get("failures")) > 0) ? Main.EXIT_FAILURE : 0;
  }

  /** The MALLOC_* variables the serve process gets (they change glibc's arenas and trimming). */
  private static String mallocEnv() {
    Map<String, String> env = new java.util.TreeMap<>(System.getenv());
    env.putIfAbsent("MALLOC_MMAP_THRESHOLD_", "131072");
    env.putIfAbsent("MALLOC_TRIM_THRESHOLD_", "131072");
    StringBuilder b = new StringBuilder();
    env.entrySet().stream().filter(e -> e.getKey().startsWith("MALLOC_") || e.getKey().equals(
        "GLIBC_TUNABLES")).sorted(Map.Entry.comparingByKey()).forEach(e -> b.append(b.length() == 0 ? "" : " ")
        .append(e.getKey()).append('=').append(e.getValue()));
    return b.length() == 0 ? "(none)" : b.toString();
  }

  private long parseBudget() {
    try {
      return RepositoryOptions.parseBytes(budget);
    } catch (EdgewiseException e) {
      throw Main.usage(spec, "--budget: " + e.getMessage());
    }
  }

  /**
   * Each model loaded alone (explicit control), twice: its measured bytes, the second (steady) load's seconds and the
   * first's (class loading, JIT, a cold page cache), and the process's RSS growth across the second load and across
   * the first: name -> {bytes, load micros, first-load micros, RSS delta, first RSS delta}.
   */
  private static Map<String, long[]> calibrate(Path repo, SessionOptions options, List<String> names) {
    Map<String, long[]> out = new LinkedHashMap<>();
    try (ModelRepository r = ModelRepository.open(repo, options,
        RepositoryOptions.defaults().withControl(ModelControl.EXPLICIT, Duration.ofSeconds(15)))) {
      for (String name : names) {
        long rssCold = rssBytes();
        r.load(name, null);
        long rssFirst = rssBytes() - rssCold;
        long bytes = r.usedBytes();
        double first = r.stats().get(name).loadSeconds();
        r.unload(name);
        // the second load: steady load time, and the process's RSS growth while it stays loaded (memory the
        // measured bytes do not see, such as ONNX Runtime's arena, shows here; so do heap growth and the allocator)
        long rssBefore = rssBytes();
        r.load(name, null);
        long rssDelta = rssBytes() - rssBefore;
        double second = r.stats().get(name).loadSeconds() - first;
        r.unload(name);
        out.put(name, new long[] {bytes, (long) (second * 1e6), (long) (first * 1e6), rssDelta, rssFirst});
      }
    }
    return out;
  }

  /** One policy's server during a replay, and what its requests measured. */
  private static final class Lane {
    final String policy;
    final long budget;
    ModelRepository repository;
    InferenceScheduler scheduler;
    HttpInferenceServer server;
    EdgewiseClient client;
    final Histogram added = new Histogram(3);
    long addedNanos;
    long hits;
    long failures;
    long overBudget;
    long rssPeak;

    Lane(String policy, long budget) {
      this.policy = policy;
      this.budget = budget;
    }

    void close() throws InterruptedException {
      if (client != null) {
        client.close();
      }
      if (server != null) {
        server.close();
      }
      if (scheduler != null) {
        scheduler.shutdown(30, TimeUnit.SECONDS);
        scheduler.close();
      }
      if (repository != null) {
        repository.close();
      }
    }
  }

  /**
   * Every policy over one trace, in lockstep: one in-process server per policy, each with an empty cache under the
   * budget, and each request of the trace sent to every server in turn (one at a time), so that a busy stretch of the
   * machine slows every policy's loads alike instead of whichever policy ran then.
   */
  private List<Row> replay(Path repo, SessionOptions options, List<ModelPopulation.Member> members,
      CacheTraces.Trace trace, long budgetBytes) throws InterruptedException {
    List<String> keys = trace.requests().stream().map(n -> n + "/1").toList();
    Map<String, ModelPopulation.Member> byName = new LinkedHashMap<>();
    members.forEach(m -> byName.put(m.name(), m));
    ServeLimits limits = ServeLimits.defaults().withConcurrency(2, 64);
    String token = TokenAuthenticator.generateToken();
    List<Lane> lanes = new ArrayList<>();
    try {
      for (String policyName : policies) {
        Lane lane = new Lane(policyName, budgetBytes);
        lanes.add(lane);
        lane.repository = ModelRepository.open(repo, options, RepositoryOptions.defaults()
            .withBudget(budgetBytes, policy(policyName, keys)));
        lane.repository.observer((name, version, hit, waitNanos) -> {
          synchronized (lane) {  // on a server worker; read on this thread at the end
            lane.added.recordValue(waitNanos / 1000);
            lane.hits += hit ? 1 : 0;
            lane.addedNanos += waitNanos;
          }
        });
        lane.scheduler = new InferenceScheduler(limits);
        lane.server = HttpInferenceServer.start(new HttpInferenceServer.Config("127.0.0.1", 0, lane.repository,
            TokenAuthenticator.of(List.of(token)), limits, lane.scheduler, new ServeMetrics(lane.scheduler), null, 1,
            Duration.ofSeconds(30)));
        lane.client = EdgewiseClient.builder(lane.server.url()).token(token).requestTimeout(Duration.ofMinutes(2))
            .build();
      }
      for (String name : trace.requests()) {
        for (Lane lane : lanes) {
          try {
            lane.client.infer(name, null, byName.get(name).inputs(), true).values().forEach(Tensor::close);
          } catch (RuntimeException e) {
            lane.failures++;
            if (lane.failures <= 3) {
              spec.commandLine().getErr().println("  " + lane.policy + ": request for " + name + " failed: "
                  + e.getMessage());
            }
          }
          if (lane.repository.usedBytes() > budgetBytes) {
            lane.overBudget++;
          }
        }
        long rss = rssBytes();
        lanes.forEach(l -> l.rssPeak = Math.max(l.rssPeak, rss));
      }
      List<Row> rows = new ArrayList<>();
      for (Lane lane : lanes) {
        ModelRepository r = lane.repository;
        synchronized (lane) {
        long loads = r.stats().values().stream().mapToLong(ModelRepository.ModelStats::loads).sum();
        long evictions = r.stats().values().stream().mapToLong(ModelRepository.ModelStats::evictions).sum();
        long n = lane.added.getTotalCount();
        Map<String, double[]> byModel = new java.util.TreeMap<>();
        r.stats().forEach((name, st) -> {
          if (st.loads() > 0) {
            byModel.put(name, new double[] {st.loads(), st.loadSeconds()});
          }
        });
        rows.add(new Row(lane.policy, trace.name(), trace.requests().size(), n == 0 ? 0 : lane.hits / (double) n,
            lane.addedNanos / 1e9, lane.added.getValueAtPercentile(99) / 1000.0, r.peakUsedBytes(), lane.rssPeak,
            lane.failures, loads, evictions, lane.overBudget, byModel));
        }
      }
      return rows;
    } finally {
      for (Lane lane : lanes) {
        lane.close();
      }
    }
  }

  private CachePolicy policy(String name, List<String> keys) {
    if (name.equals("cremebrulee") && cremebrulee != null) {
      if (cremebrulee.size() != 3 || cremebrulee.get(2) <= 0) {
        throw Main.usage(spec, "--cremebrulee takes A,B,H (H > 0), got " + cremebrulee);
      }
      return new CremeBruleePolicy(cremebrulee.get(0), cremebrulee.get(1), cremebrulee.get(2));
    }
    return CachePolicy.of(name, keys, seed);
  }

  /** The trace replayed by CacheSimulator over the measured sizes and load times (no loads, no requests). */
  private Row simulated(Map<String, long[]> measured, CacheTraces.Trace trace, String policyName, long budgetBytes) {
    List<String> keys = trace.requests().stream().map(n -> n + "/1").toList();
    Map<String, CacheEntry> models = new LinkedHashMap<>();
    measured.forEach((name, v) -> models.put(name + "/1", CacheEntry.of(name + "/1", v[0], v[1] / 1e6)));
    // the first load of a model takes its measured first-load time, the later ones its steady load time
    CacheSimulator.Result r = CacheSimulator.run(models, budgetBytes, policy(policyName, keys), keys,
        (key, n) -> measured.get(key.substring(0, key.length() - 2))[n == 0 ? 2 : 1] / 1e6);
    long loads = r.requests() - r.hits();
    return new Row(policyName, trace.name(), r.requests(), r.hitRate(), r.addedLoadSeconds(), Double.NaN,
        r.peakBytes(), -1, 0, loads, r.evictions().size(), 0, Map.of());
  }

  /**
   * The population of an earlier `cache-bench --json` output: name -> {bytes, load seconds, first-load seconds} (an
   * output without first loads: the load seconds).
   */
  private static Map<String, double[]> readPopulation(Path file) throws IOException {
    com.fasterxml.jackson.databind.JsonNode root;
    try {
      root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw EdgewiseException.invalidArgument(file + ": not JSON: " + e.getOriginalMessage());
    }
    com.fasterxml.jackson.databind.JsonNode list = root.path("population");
    if (!list.isArray() || list.isEmpty()) {
      throw EdgewiseException.invalidArgument(file + ": no 'population' list (the output of cache-bench --json)");
    }
    Map<String, double[]> out = new LinkedHashMap<>();
    for (com.fasterxml.jackson.databind.JsonNode p : list) {
      if (!p.path("name").isTextual() || !p.path("bytes").isNumber() || !p.path("load_s").isNumber()) {
        throw EdgewiseException.invalidArgument(file + ": a population entry without name, bytes and load_s: " + p);
      }
      double load = p.get("load_s").asDouble();
      out.put(p.get("name").asText(), new double[] {p.get("bytes").asDouble(), load,
          p.path("first_load_s").isNumber() ? p.get("first_load_s").asDouble() : load});
    }
    return out;
  }

  /**
   * Simulated replays over --seeds generated traces of each kind (CacheSweep): with --sweep, the grid scored on the
   * training seeds and the best point, the server's default and the other policies on as many held-out seeds; without,
   * the policies named on the seeds from --seed.
   */
  private int simulateSeeds(PrintWriter out, Map<String, double[]> pop, String source) {
    List<CacheSweep.Model> list = new ArrayList<>();
    pop.forEach((name, v) -> list.add(new CacheSweep.Model(name, (long) v[0], v[1], v[2])));
    long total = list.stream().mapToLong(CacheSweep.Model::bytes).sum();
    long budgetBytes = budget.equals("half") ? total / 2 : parseBudget();
    long largest = list.stream().mapToLong(CacheSweep.Model::bytes).max().orElse(0);
    if (largest > budgetBytes) {
      throw Main.usage(spec, "--budget " + budgetBytes + " bytes is smaller than the largest model (" + largest
          + " bytes)");
    }
    CacheSweep sweeper = new CacheSweep(list, budgetBytes, requests, loadNoise);
    List<CacheSweep.Candidate> named = new ArrayList<>();
    for (String p : policies) {
      named.add(new CacheSweep.Candidate(p, keys -> policy(p, keys)));
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    String chosen = null;
    long heldFrom = seed;
    if (sweep) {
      PrintWriter err = spec.commandLine().getErr();
      List<CacheSweep.Candidate> grid = CacheSweep.grid();
      err.printf("sweep: %d CremeBrulee settings on %d training seeds (%d-%d) of both traces%n", grid.size(), seeds,
          seed, seed + seeds - 1);
      err.flush();
      List<CacheSweep.Summary> train = sweeper.evaluate(grid, seed, seeds);
      chosen = CacheSweep.best(train);
      String best = chosen;
      CacheSweep.Candidate bestCandidate = grid.stream().filter(c -> c.label().equals(best)).findFirst()
          .orElseThrow();
      for (CacheSweep.Summary s : train) {
        if (s.label().equals(chosen)) {
          rows.add(summaryRow(s, "train", seed));
        }
      }
      named.add(0, new CacheSweep.Candidate("best on training: " + chosen, bestCandidate.make()));
      // the best of the rate-popularity points on the training seeds, held out beside the overall best and the default
      java.util.Set<String> rateLabels = new java.util.HashSet<>();
      CacheSweep.rateGrid().forEach(c -> rateLabels.add(c.label()));
      String bestRate = CacheSweep.best(train.stream().filter(s -> rateLabels.contains(s.label())).toList());
      if (!bestRate.equals(chosen)) {
        named.add(grid.stream().filter(c -> c.label().equals(bestRate)).findFirst().map(c -> new CacheSweep.Candidate(
            "best rate prior on training: " + bestRate, c.make())).orElseThrow());
      }
      named.add(CacheSweep.oracleCounts());
      named.add(new CacheSweep.Candidate("cremebrulee published (greedy per byte, last load's time)",
          keys -> new CremeBruleePolicy(1, 1, CremeBruleePolicy.DEFAULT_HALF_LIFE, 1.0,
              CremeBruleePolicy.Selection.GREEDY)));
      heldFrom = seed + seeds;
      err.printf("held-out seeds %d-%d%n", heldFrom, heldFrom + seeds - 1);
      err.flush();
    }
    int n = Math.max(1, seeds);
    for (CacheSweep.Summary s : sweeper.evaluate(named, heldFrom, n)) {
      rows.add(summaryRow(s, sweep ? "held-out" : "seeds", heldFrom));
    }
    Map<String, double[]> bounds = sweeper.boundRatios(heldFrom, n);
    Map<String, Object> bound = new LinkedHashMap<>();
    bounds.forEach((k, v) -> bound.put(k, Map.of("compulsory_over_random", v[0], "lower_bound_over_random", v[1])));
    if (json.enabled()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("simulated", "replays over the sizes and load times " + source + "; reloads with log-normal noise sigma "
          + loadNoise + ", first loads at their measured first-load time");
      m.put("models", list.size());
      m.put("models_bytes", total);
      m.put("budget_bytes", budgetBytes);
      m.put("requests_per_trace", requests);
      m.put("traces", "zipf s=1.00 (ranks shuffled per seed) and azure-shaped, one of each per seed");
      if (chosen != null) {
        m.put("chosen_on_training_seeds", chosen);
      }
      m.put("bounds", bound);
      m.put("rows", rows);
      out.println(Json.write(m));
    } else {
      out.printf("cache-bench: SIMULATED over %d models (%s), %d bytes, budget %d bytes, %d requests per trace, "
          + "reload noise sigma %.2f%n", list.size(), source, total, budgetBytes, requests, loadNoise);
      if (chosen != null) {
        out.println("chosen on the training seeds: " + chosen);
      }
      out.printf("%-9s %-8s %-72s %8s %9s %9s %9s %9s%n", "set", "trace", "policy", "added s", "x random", "x lru",
          "compul. s", "hit rate");
      for (Map<String, Object> r : rows) {
        out.printf("%-9s %-8s %-72s %8.2f %9.3f %9.3f %9.2f %9.3f%n", r.get("set"), r.get("trace"), r.get("policy"),
            r.get("added_load_s_mean"), r.get("ratio_random_mean"), r.get("ratio_lru_mean"),
            r.get("compulsory_s_mean"), r.get("hit_rate_mean"));
      }
      bounds.forEach((k, v) -> out.printf("%s: no policy goes below %.3fx random's added load (the compulsory first "
          + "loads alone: %.3fx; the flow lower bound with them: %.3fx)%n", k, Math.max(v[0], v[1]), v[0], v[1]));
    }
    out.flush();
    return 0;
  }

  private static Map<String, Object> summaryRow(CacheSweep.Summary s, String set, long from) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("set", set);
    row.put("seeds", from + "-" + (from + s.seeds() - 1));
    row.put("trace", s.trace());
    row.put("policy", s.label());
    row.put("added_load_s_mean", s.addedSeconds());
    row.put("ratio_random_mean", s.ratioRandom());
    row.put("ratio_lru_mean", s.ratioLru());
    row.put("compulsory_s_mean", s.compulsorySeconds());
    row.put("hit_rate_mean", s.hitRate());
    row.put("label", "simulated");
    return row;
  }

  /** This process's resident set size now (Linux), or -1. */
  static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  private void print(PrintWriter out, String dev, List<ModelPopulation.Member> members, Map<String, long[]> measured,
      long total, long budgetBytes, List<CacheTraces.Trace> traces, List<Row> rows, long rssBase) {
    out.printf(simulate ? "cache-bench: SIMULATED replays over the sizes and load times measured on device %s%n"
        : "cache-bench: measured in this process, device %s, HTTP on loopback, one server per policy, requests sent to "
        + "each in lockstep one at a time%n", dev);
    out.printf("models: %d (%d bytes measured in all); budget %d bytes (%.0f%% of them)%n", members.size(), total,
        budgetBytes, 100.0 * budgetBytes / Math.max(1, total));
    for (Map.Entry<String, long[]> e : measured.entrySet()) {
      out.printf("  %-40s %,13d bytes, load %.3f s, first load %.3f s, RSS delta %,d bytes (measured, alone)%n",
          e.getKey(), e.getValue()[0], e.getValue()[1] / 1e6, e.getValue()[2] / 1e6, e.getValue()[3]);
    }
    for (CacheTraces.Trace t : traces) {
      out.println("trace " + t.name() + ": " + t.parameters());
    }
    out.printf("%-8s %-12s %8s %9s %13s %13s %14s %14s %8s %6s %9s%n", "trace", "policy", "requests", "hit rate",
        "added load s", "p99 added ms", "peak bytes", "peak RSS", "failures", "loads", "evictions");
    for (Row r : rows) {
      out.printf("%-8s %-12s %8d %9.3f %13.2f %13.1f %,14d %,14d %8d %6d %9d%n", r.trace(), r.policy(), r.requests(),
          r.hitRate(), r.addedLoadSeconds(), r.p99AddedMs(), r.peakBytes(), r.rssPeakBytes(), r.failures(), r.loads(),
          r.evictions());
    }
    out.printf("RSS before the replays: %,d bytes (JVM, heap, the calibration's leftovers); peak RSS is the process's, "
        + "with one server per policy%n", rssBase);
    for (CacheTraces.Trace t : traces) {
      Row cb = find(rows, t.name(), "cremebrulee");
      Row rnd = find(rows, t.name(), "random");
      Row lru = find(rows, t.name(), "lru");
      if (cb != null && rnd != null && lru != null) {
        out.printf("%s: cremebrulee's added load latency is %.2fx random's and %.2fx LRU's%n", t.name(),
            cb.addedLoadSeconds() / Math.max(1e-9, rnd.addedLoadSeconds()),
            cb.addedLoadSeconds() / Math.max(1e-9, lru.addedLoadSeconds()));
      }
    }
  }

  private static Row find(List<Row> rows, String trace, String policy) {
    return rows.stream().filter(r -> r.trace().equals(trace) && r.policy().equals(policy)).findFirst().orElse(null);
  }

  private Map<String, Object> toJson(String dev, List<ModelPopulation.Member> members, Map<String, long[]> measured,
      long total, long budgetBytes, List<CacheTraces.Trace> traces, List<Row> rows, long rssBase) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("measured", "in this process on device " + dev + ", HTTP on loopback, one server per policy, the trace sent to "
        + "each in lockstep one request at a time, wall clock");
    m.put("device", dev);
    m.put("models", members.size());
    m.put("models_bytes", total);
    m.put("budget_bytes", budgetBytes);
    m.put("rss_before_bytes", rssBase);
    List<Map<String, Object>> pop = new ArrayList<>();
    measured.forEach((name, v) -> {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", name);
      p.put("bytes", v[0]);
      p.put("load_s", v[1] / 1e6);
      p.put("first_load_s", v[2] / 1e6);
      p.put("rss_delta_bytes", v[3]);
      p.put("rss_delta_first_bytes", v[4]);
      p.put("label", "measured");
      pop.add(p);
    });
    m.put("population", pop);
    if (!zoo.isEmpty()) {
      m.put("zoo_variants", zoo);
      m.put("zoo_skipped", zooSkipped);
    }
    Map<String, Object> tr = new LinkedHashMap<>();
    traces.forEach(t -> tr.put(t.name(), t.parameters()));
    m.put("traces", tr);
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("policy", r.policy());
      row.put("trace", r.trace());
      row.put("requests", r.requests());
      row.put("hit_rate", r.hitRate());
      row.put("added_load_s", r.addedLoadSeconds());
      row.put("p99_added_ms", r.p99AddedMs());
      row.put("peak_bytes", r.peakBytes());
      row.put("rss_peak_bytes", r.rssPeakBytes());
      row.put("failures", r.failures());
      row.put("loads", r.loads());
      row.put("evictions", r.evictions());
      row.put("over_budget", r.overBudget());
      Map<String, Object> byModel = new LinkedHashMap<>();
      r.byModel().forEach((name, v) -> byModel.put(name, Map.of("loads", (long) v[0], "load_s", v[1])));
      if (!byModel.isEmpty()) {
        row.put("loads_by_model", byModel);
      }
      row.put("label", simulate ? "simulated" : "measured");
      out.add(row);
    }
    m.put("rows", out);
    return m;
  }

}

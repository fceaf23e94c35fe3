package io.edgewise.bench.pipeline;

import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.OcrResult;
import io.edgewise.apps.ocr.OcrStage;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.bench.BenchStats;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.peer.DirectoryModelResolver;
import io.edgewise.serve.peer.EmulatedLink;
import io.edgewise.serve.peer.PeerClient;
import io.edgewise.serve.peer.PeerClientConfig;
import io.edgewise.serve.peer.PeerServer;
import io.edgewise.serve.peer.PeerServerConfig;
import io.edgewise.serve.pipeline.DecentralisedPlacement;
import io.edgewise.serve.pipeline.FixedPlacement;
import io.edgewise.serve.pipeline.PlacedStageRunner;
import io.edgewise.serve.pipeline.StageOutcome;
import io.edgewise.serve.pipeline.StagePolicy;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The OCR pipeline job (detector, then orientation and recognition of the lines found) over rendered pages, with
 * its three model stages placed on the device or on a peer in this process behind an {@link EmulatedLink}. Per job
 * the link's round trip is drawn once from the link's distribution, the page's shapes are planned on both sides by an
 * untimed device-only and peer-only run, then the job runs under every one of the 2^3
 * fixed placements (device-only and peer-only among them; the best of them is the oracle's answer for that job)
 * and under the decentralised rule, which keeps its estimates from job to job. Job latency is measured end to end
 * (pre- and post-processing on the device, the emulated link, the peer's compute); bytes are those that crossed.
 */
final class PipelineExperiment implements AutoCloseable {
  /** One policy's jobs on one link: measured latency and bytes per job, and whether its text equals device-only's. */
  record Series(String policy, String link, double[] jobMs, long[] bytes, int textDiffers) {
    double meanMs() {
      return BenchStats.mean(jobMs);
    }

    double p99Ms() {
      return BenchStats.percentile(jobMs, 99);
    }

    double meanBytes() {
      return Arrays.stream(bytes).average().orElse(Double.NaN);
    }
  }

  private static final List<OcrStage> STAGES = List.of(OcrStage.DETECTOR, OcrStage.CLASSIFIER, OcrStage.RECOGNIZER);

  private final OcrPipeline pipeline;
  private final PeerServer server;
  private final PeerClient client;
  private final EmulatedLink.Conditions link = new EmulatedLink.Conditions(10_000, 0);
  private final Map<OcrStage, String> hashes = new EnumMap<>(OcrStage.class);
  private final PlacedStageRunner.Options runnerOptions;
  private final Consumer<String> log;

  PipelineExperiment(Path modelsDir, OcrOptions device, SessionOptions peer, PlacedStageRunner.Options runnerOptions,
      Consumer<String> log) {
    this.runnerOptions = runnerOptions;
    this.log = log;
    Path[] files = OcrPipeline.checkModels(modelsDir);
    String token = HexFormat.of().formatHex(SecureRandom.getSeed(16));
    PeerServerConfig cfg = PeerServerConfig.of(0, new DirectoryModelResolver(List.of(files[0], files[1], files[2])),
        token).withSession(peer).withPipelineHook(p -> p.addFirst("emulated-link", new EmulatedLink(link)));
    this.server = new PeerServer(cfg);
    OcrPipeline p = null;
    PeerClient c = null;
    try {
      int port = server.start();
      c = PeerClient.connect(PeerClientConfig.of("127.0.0.1", port, token).withPoolSize(1)
          .withRequestTimeout(Duration.ofSeconds(120)));
      p = OcrPipeline.open(modelsDir, device);
    } catch (RuntimeException e) {
      if (c != null) {
        c.close();
      }
      server.close();
      throw e;
    }
    this.client = c;
    this.pipeline = p;
    List<String> h = pipeline.modelHashes();
    for (int i = 0; i < STAGES.size(); i++) {
      hashes.put(STAGES.get(i), h.get(i));
    }
  }

  /** Every placement of the three stages, device-only first and peer-only last. */
  static List<FixedPlacement> allPlacements() {
    List<FixedPlacement> out = new ArrayList<>();
    for (int mask = 0; mask < 1 << STAGES.size(); mask++) {
      Set<String> onPeer = new HashSet<>();
      for (int s = 0; s < STAGES.size(); s++) {
        if ((mask & 1 << s) != 0) {
          onPeer.add(STAGES.get(s).name());
        }
      }
      out.add(mask == (1 << STAGES.size()) - 1 ? FixedPlacement.peerOnly(onPeer) : FixedPlacement.of(onPeer));
    }
    return out;
  }

  /**
   * Runs the jobs on one link: {@code warmup} pages first (compiling every placement's sessions on both sides and
   * giving the decentralised rule its first measurements; not counted), then {@code pages}. Returns device-only,
   * peer-only, decentralised, the oracle, then each other fixed placement.
   */
  List<Series> run(LinkProfile profile, List<PageRenderer.Page> warmup, List<PageRenderer.Page> pages, long seed) {
    Random random = new Random(seed);
    List<FixedPlacement> fixed = allPlacements();
    DecentralisedPlacement rule = new DecentralisedPlacement(DecentralisedPlacement.Options.defaults());
    rule.onDecision(m -> log.accept(profile.name() + " rule: " + m));
    Map<String, double[]> ms = new LinkedHashMap<>();
    Map<String, long[]> bytes = new LinkedHashMap<>();
    Map<String, int[]> differs = new LinkedHashMap<>();
    double[] oracleMs = new double[pages.size()];
    long[] oracleBytes = new long[pages.size()];
    try (PlacedStageRunner ruleRunner = runner(rule, Duration.ofMillis(500))) {
      for (PageRenderer.Page page : warmup) {
        link.set(profile.mbps(), profile.sampleRttMs(random) / 2);
        for (FixedPlacement f : fixed) {
          try (PlacedStageRunner r = runner(f, null)) {
            job(r, page);
          }
        }
        job(ruleRunner, page);
      }
      for (int j = 0; j < pages.size(); j++) {
        PageRenderer.Page page = pages.get(j);
        double rtt = profile.sampleRttMs(random);
        link.set(profile.mbps(), rtt / 2);
        // each page has its own input shapes: plan them on both sides first (untimed), or the placement that runs
        // first would pay every session's per-shape planning and the ones after it would not
        for (FixedPlacement f : List.of(fixed.get(0), fixed.get(fixed.size() - 1))) {
          try (PlacedStageRunner r = runner(f, null)) {
            job(r, page);
          }
        }
        Job reference = null;
        oracleMs[j] = Double.POSITIVE_INFINITY;
        for (FixedPlacement f : fixed) {
          Job done;
          try (PlacedStageRunner r = runner(f, null)) {
            done = job(r, page);
          }
          reference = reference == null ? done : reference;
          record(ms, bytes, differs, f.name(), j, pages.size(), done, reference);
          if (done.ms < oracleMs[j]) {
            oracleMs[j] = done.ms;
            oracleBytes[j] = done.bytes;
          }
        }
        Job byRule = job(ruleRunner, page);
        record(ms, bytes, differs, rule.name(), j, pages.size(), byRule, reference);
        log.accept(String.format("%s job %d/%d: round trip %.0f ms, device-only %.0f ms, peer-only %.0f ms, "
            + "decentralised %.0f ms (%s), oracle %.0f ms", profile.name(), j + 1, pages.size(), rtt,
            ms.get("device-only")[j], ms.get("peer-only")[j], byRule.ms, byRule.placement, oracleMs[j]));
      }
    }
    List<Series> out = new ArrayList<>();
    for (String name : List.of("device-only", "peer-only", "decentralised")) {
      out.add(new Series(name, profile.name(), ms.get(name), bytes.get(name), differs.get(name)[0]));
    }
    out.add(new Series("oracle", profile.name(), oracleMs, oracleBytes, 0));
    for (FixedPlacement f : fixed) {
      if (!f.name().equals("device-only") && !f.name().equals("peer-only")) {
        out.add(new Series(f.name(), profile.name(), ms.get(f.name()), bytes.get(f.name()),
            differs.get(f.name())[0]));
      }
    }
    return out;
  }

  private static void record(Map<String, double[]> ms, Map<String, long[]> bytes, Map<String, int[]> differs,
      String name, int j, int n, Job done, Job reference) {
    ms.computeIfAbsent(name, k -> new double[n])[j] = done.ms;
    bytes.computeIfAbsent(name, k -> new long[n])[j] = done.bytes;
    differs.computeIfAbsent(name, k -> new int[1])[0] += done.text.equals(reference.text) ? 0 : 1;
  }

  private PlacedStageRunner runner(StagePolicy policy, Duration probe) {
    return new PlacedStageRunner(client, hashes, policy, runnerOptions.withProbeInterval(probe));
  }

  /** One job's measured latency, bytes moved, where its stages ran and the text it read. */
  private record Job(double ms, long bytes, String placement, List<String> text) {}

  private Job job(PlacedStageRunner runner, PageRenderer.Page page) {
    runner.takeOutcomes();
    long t0 = System.nanoTime();
    OcrResult result = pipeline.placed(runner).read(page.image());
    double ms = (System.nanoTime() - t0) / 1e6;
    long moved = 0;
    StringBuilder where = new StringBuilder();
    for (StageOutcome o : runner.takeOutcomes()) {
      moved += o.bytesSent() + o.bytesReceived();
      if (where.indexOf(o.call().stage() + "@") < 0) {
        where.append(where.length() == 0 ? "" : " ").append(o.call().stage()).append('@')
            .append(o.placement().name().toLowerCase());
      }
    }
    return new Job(ms, moved, where.toString(), result.lines().stream().map(OcrLine::text).toList());
  }

  static String describe(OcrOptions device, SessionOptions peer, PlacedStageRunner.Options o) {
    return "device " + device.device() + " x" + device.threads() + " threads" + (o.deviceSlowdown() > 1
        ? " with its model runs stretched " + o.deviceSlowdown() + "x (MODELED weaker device)" : "") + ", peer "
        + peer.device() + " x" + peer.threads() + " threads, both in this process on this machine's cores; inputs "
        + "cross as " + o.send() + ", outputs as " + o.receive() + (o.decodeOnPeer() ? " (the recogniser's as its "
        + "CTC best path decoded on the peer, exact)" : "") + (o.boxesOnPeer() ? " (the detector's as the page's "
        + "boxes post-processed on the peer, exact)" : "");
  }

  @Override
  public void close() {
    pipeline.close();
    client.close();
    server.close();
  }
}

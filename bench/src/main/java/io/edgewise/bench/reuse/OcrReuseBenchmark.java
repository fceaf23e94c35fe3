package io.edgewise.bench.reuse;

import io.edgewise.bench.BenchStats;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.apps.ocr.reuse.OcrReuseOptions;
import io.edgewise.apps.ocr.reuse.ReusedRead;
import io.edgewise.apps.ocr.reuse.ReusingOcr;
import io.edgewise.apps.ocr.stream.CameraStream;
import io.edgewise.apps.ocr.stream.FrameScore;
import io.edgewise.reuse.ReuseOptions;
import io.edgewise.reuse.ReuseStore;
import io.edgewise.reuse.ReuseStoreOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The OCR pipeline over a camera-like stream of rendered pages, once per reuse configuration (none, frame, line,
 * frame+line), each with a fresh store that first sees a warm-up stream of other pages (uncounted: the calibration a
 * store in use already has): reuse rate, character error rate against the pages' ground truth, frame latency (wall
 * clock around each read, every measured frame counted) and lookup time.
 */
public final class OcrReuseBenchmark {
  private OcrReuseBenchmark() {}

  /** What to run; {@code paths} holds "in-process" and/or "serve" (the same stream through a loopback server). */
  public record Config(Path models, String device, int threads, int frames, int warmupFrames, double target,
      List<String> configs,
      long seed, Path work, PageRenderer.Options page, CameraStream.Options stream, List<String> paths) {}

  /**
   * One configuration's figures over the stream.
   *
   * @param reuseRate frames answered by frame reuse (no detector ran; a line or two re-read to verify)
   * @param rejectRate frames whose frame hit the re-read line turned down (read in full after all)
   * @param lineReuseRate lines whose recognition was reused, of the lines looked up
   */
  public record Row(String config, String path, int frames, @JsonProperty("reuse_rate") double reuseRate,
      @JsonProperty("reject_rate") double rejectRate,
      @JsonProperty("line_reuse_rate") double lineReuseRate, double cer, @JsonProperty("median_ms") double medianMs,
      @JsonProperty("p99_ms") double p99Ms, @JsonProperty("mean_ms") double meanMs,
      @JsonProperty("lookup_median_ms") double lookupMedianMs, String measured) {}

  public static List<Row> run(Config c, Consumer<String> log) {
    log.accept("rendering " + c.frames() + " camera frames (seed " + c.seed() + ")");
    List<CameraStream.Frame> frames = new CameraStream(new PageRenderer(c.page()), c.stream(), c.seed())
        .frames(c.frames());
    // other pages: a different seed renders different text
    List<CameraStream.Frame> warmup = new CameraStream(new PageRenderer(c.page()), c.stream(), c.seed() + 1_000_003)
        .frames(c.warmupFrames());
    OcrOptions ocrOptions = OcrOptions.defaults().withDevice(c.device()).withThreads(c.threads());
    List<Row> rows = new ArrayList<>();
    if (c.paths().contains("in-process")) {
      try (OcrPipeline ocr = OcrPipeline.open(c.models(), ocrOptions)) {
        // one read first: the sessions' first run plans and packs; no configuration should pay for it
        ocr.read(frames.get(0).image());
        for (String name : c.configs()) {
          OcrReuseOptions options = OcrReuseOptions.named(name,
              ReuseOptions.defaults().withAccuracyTarget(c.target()));
          rows.add(runOne(ocr, options, warmup, frames, c.work().resolve(name.replace('+', '-')), log));
        }
      }
    }
    if (c.paths().contains("serve")) {
      for (String name : c.configs()) {
        OcrReuseOptions options = OcrReuseOptions.named(name, ReuseOptions.defaults().withAccuracyTarget(c.target()));
        rows.add(ServedOcrStream.run(c, options, warmup, frames, c.work().resolve("serve-" + name.replace('+', '-')),
            log));
      }
    }
    return rows;
  }

  private static Row runOne(OcrPipeline ocr, OcrReuseOptions options, List<CameraStream.Frame> warmup,
      List<CameraStream.Frame> frames, Path storeDir, Consumer<String> log) {
    double[] ms = new double[frames.size()];
    double[] lookup = new double[frames.size()];
    FrameScore.Errors errors = new FrameScore.Errors(0, 0);
    int frameHits = 0;
    int rejects = 0;
    long lineHits = 0;
    long lineLookups = 0;
    try (ReuseStore store = ReuseStore.open(storeDir, ReuseStoreOptions.defaults())) {
      ReusingOcr reusing = new ReusingOcr(ocr, options, store, List.of(), new SimpleMeterRegistry());
      if (options.frames() || options.lines()) {
        for (CameraStream.Frame f : warmup) {
          reusing.read(f.image());
        }
        log.accept(options.name() + ": store warmed with " + warmup.size() + " frames of other pages");
      }
      for (int i = 0; i < frames.size(); i++) {
        CameraStream.Frame f = frames.get(i);
        long t0 = System.nanoTime();
        ReusedRead r = reusing.read(f.image());
        ms[i] = (System.nanoTime() - t0) / 1e6;
        lookup[i] = r.lookupMs();
        frameHits += r.frame().equals("hit") ? 1 : 0;
        rejects += r.frame().equals("rejected") ? 1 : 0;
        lineHits += r.lineHits();
        lineLookups += r.lineLookups();
        errors = errors.plus(FrameScore.score(f.truth(), r.result().lines().stream().map(OcrLine::text).toList()));
        if ((i + 1) % 50 == 0) {
          log.accept(options.name() + ": " + (i + 1) + " frames, " + frameHits + " frame hits (" + rejects
              + " rejected), " + lineHits + "/"
              + lineLookups + " line hits, CER " + String.format("%.4f", errors.cer()));
        }
      }
      reusing.save();
    }
    return new Row(options.name(), "in-process", frames.size(), (double) frameHits / frames.size(),
        (double) rejects / frames.size(),
        lineLookups == 0 ? 0 : (double) lineHits / lineLookups, errors.cer(),
        BenchStats.percentile(ms, 50), BenchStats.percentile(ms, 99), BenchStats.mean(ms),
        BenchStats.percentile(lookup, 50),
        "measured: wall clock per frame in this process, " + frames.size() + " frames");
  }
}

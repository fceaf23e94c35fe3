package io.edgewise.apps.ocr.reuse;

import io.edgewise.apps.ocr.BgrImage;
import io.edgewise.apps.ocr.DbPostprocess;
import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.OcrResult;
import io.edgewise.apps.ocr.Quad;
import io.edgewise.reuse.LocalReuseTier;
import io.edgewise.reuse.ReuseCache;
import io.edgewise.reuse.ReuseStore;
import io.edgewise.reuse.ReuseTier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The OCR pipeline with computation reuse: a frame near a stored one (by its thumbnail, H-kNN vote of the frames
 * stored near it) is answered with that frame's lines and runs no model; otherwise the detector runs, and each line
 * crop near a stored one reuses that line's text, so orientation and recognition run only for the lines not found.
 * What was computed is stored and calibrates the thresholds (the reuse module's target, audits and window).
 *
 * <pre>{@code
 * try (OcrPipeline ocr = OcrPipeline.open(models, OcrOptions.defaults());
 *      ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
 *   ReusingOcr r = new ReusingOcr(ocr, OcrReuseOptions.defaults(), store, List.of(), new SimpleMeterRegistry());
 *   ReusedRead read = r.read(frame);
 * }
 * }</pre>
 *
 * The pipeline and the store are borrowed; {@link #save()} writes the calibration into the store (call it before
 * closing the store). Thread-safe where the pipeline is.
 */
public final class ReusingOcr {
  private final OcrPipeline ocr;
  private final OcrReuseOptions options;
  private final ReuseCache frames;
  private final ReuseCache lines;
  /** The store as a tier, shared by both caches: it holds the calibration of both namespaces. */
  private final LocalReuseTier local;

  /** Reuse through this device's store, after the given peer tiers (in order), with meters in {@code registry}. */
  public ReusingOcr(OcrPipeline ocr, OcrReuseOptions options, ReuseStore store, List<ReuseTier> peers,
      io.micrometer.core.instrument.MeterRegistry registry) {
    this.ocr = ocr;
    this.options = options;
    this.local = new LocalReuseTier(store, options.reuse());
    // a frame's lines depend on every model and on the detector's settings; a line's text on the classifier, the
    // recogniser and the crop margin. The store's namespaces are keyed by what results are a function of.
    String models = String.join(",", ocr.modelHashes());
    String frameKey = sha256(models + "|" + ocr.options());
    String lineKey = sha256(models + "|margin=" + ocr.options().cropMargin() + "|classify=" + ocr.options().classify());
    this.frames = options.frames()
        ? new ReuseCache(frameKey, OcrReuseOptions.FRAME_TAP, options.reuse(), local, peers, registry) : null;
    this.lines = options.lines()
        ? new ReuseCache(lineKey, OcrReuseOptions.LINE_TAP, options.reuse(), local, peers, registry) : null;
  }

  public OcrReuseOptions options() {
    return options;
  }

  /** Reads a frame, reusing where the store has a confident answer. */
  public ReusedRead read(BgrImage frame) {
    long t0 = System.nanoTime();
    long lookupNanos = 0;
    ReuseCache.Probe frameProbe = null;
    if (frames != null) {
      long f0 = System.nanoTime();
      frameProbe = frames.probe(Thumbnail.central(frame, OcrReuseOptions.FRAME_CENTRE, OcrReuseOptions.FRAME_WIDTH,
          OcrReuseOptions.FRAME_HEIGHT));
      lookupNanos += System.nanoTime() - f0;
      if (frameProbe.reused()) {
        List<OcrLine> reused = TextResults.lines(frameProbe.hit().result());
        double total = (System.nanoTime() - t0) / 1e6;
        return new ReusedRead(new OcrResult(reused, new OcrResult.Timings(0, 0, 0, total)), "hit", 0, 0,
            lookupNanos / 1e6);
      }
    }
    long d0 = System.nanoTime();
    List<Quad> quads = ocr.detect(frame).stream().map(DbPostprocess.Detection::quad).toList();
    long d1 = System.nanoTime();
    List<BgrImage> crops = ocr.crops(frame, quads);
    double[] stage = new double[] {(System.nanoTime() - d1) / 1e6, 0};
    OcrLine[] read = new OcrLine[quads.size()];
    int lineHits = 0;
    List<ReuseCache.Probe> probes = new ArrayList<>();
    List<Integer> todo = new ArrayList<>();
    for (int i = 0; i < quads.size(); i++) {
      if (lines == null) {
        todo.add(i);
        probes.add(null);
        continue;
      }
      long l0 = System.nanoTime();
      ReuseCache.Probe p = lines.probe(Thumbnail.of(crops.get(i), OcrReuseOptions.LINE_WIDTH,
          OcrReuseOptions.LINE_HEIGHT, OcrReuseOptions.LINE_ASPECT_WEIGHT));
      lookupNanos += System.nanoTime() - l0;
      probes.add(p);
      if (p.reused()) {
        lineHits++;
        read[i] = new OcrLine(TextResults.text(p.hit().result()), quads.get(i), p.hit().result().confidence(), false);
      } else {
        todo.add(i);
      }
    }
    if (!todo.isEmpty()) {
      List<BgrImage> todoCrops = new ArrayList<>(todo.size());
      List<Quad> todoQuads = new ArrayList<>(todo.size());
      for (int i : todo) {
        todoCrops.add(crops.get(i));
        todoQuads.add(quads.get(i));
      }
      long r0 = System.nanoTime();
      List<OcrLine> computed = ocr.recognizeCrops(todoCrops, todoQuads, stage);
      // each line is charged an equal share of the batch's time: what a hit on it would save
      long perLine = (System.nanoTime() - r0) / todo.size();
      for (int k = 0; k < todo.size(); k++) {
        int i = todo.get(k);
        read[i] = computed.get(k);
        ReuseCache.Probe p = probes.get(i);
        if (p != null) {
          String text = read[i].text();
          p.computed(TextResults.line(text, read[i].confidence(),
              TextResults.label(text, p.nearest(), OcrReuseOptions.LINE_TOLERANCE)), perLine);
        }
      }
    }
    List<OcrLine> kept = ocr.kept(Arrays.asList(read));
    long end = System.nanoTime();
    if (frameProbe != null) {
      frameProbe.computed(TextResults.frame(kept, TextResults.label(TextResults.joined(kept), frameProbe.nearest(),
          OcrReuseOptions.FRAME_TOLERANCE)), end - t0);
    }
    OcrResult result = new OcrResult(kept, new OcrResult.Timings((d1 - d0) / 1e6, stage[0], stage[1],
        (end - t0) / 1e6));
    return new ReusedRead(result, frameProbe == null ? "off" : frameProbe.audited() ? "audit" : "miss", lineHits,
        lines == null ? 0 : quads.size(), lookupNanos / 1e6);
  }

  /** Writes the calibration of both namespaces into the store. */
  public void save() {
    local.save();
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}

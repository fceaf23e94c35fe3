package io.edgewise.apps.ocr.reuse;

import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.BgrImage;
import io.edgewise.apps.ocr.DbPostprocess;
import io.edgewise.apps.ocr.OcrEvaluator;
import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.OcrResult;
import io.edgewise.apps.ocr.Quad;
import io.edgewise.reuse.LocalReuseTier;
import io.edgewise.reuse.ReuseCache;
import io.edgewise.reuse.ReuseStore;
import io.edgewise.reuse.ReuseTier;
import io.edgewise.reuse.StoredResult;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The OCR pipeline with computation reuse: a frame near a stored one (by its registered thumbnail, H-kNN vote of the
 * frames stored near it) is answered with that frame's lines, moved to where they are in this frame, once a line or
 * two of them re-read in this frame say the same (else the frame is read after all: a rejected hit); no detector
 * runs. Otherwise the detector runs, and each line
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
  /** Which lines of a reused frame are re-read (SplittableRandom is not thread-safe: locked). */
  private final SplittableRandom verifyRandom;

  /** Reuse through this device's store, after the given peer tiers (in order), with meters in {@code registry}. */
  public ReusingOcr(OcrPipeline ocr, OcrReuseOptions options, ReuseStore store, List<ReuseTier> peers,
      io.micrometer.core.instrument.MeterRegistry registry) {
    this.ocr = ocr;
    this.options = options;
    this.local = new LocalReuseTier(store, options.reuse());
    this.verifyRandom = new SplittableRandom(options.reuse().seed());
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
    FramePose pose = null;
    if (frames != null) {
      long f0 = System.nanoTime();
      RegisteredFrame.Registration reg = RegisteredFrame.of(frame, OcrReuseOptions.FRAME_WIDTH,
          OcrReuseOptions.FRAME_HEIGHT);
      pose = reg.pose();
      frameProbe = frames.probe(reg.feature(), true);
      lookupNanos += System.nanoTime() - f0;
      if (frameProbe.reused()) {
        long v0 = System.nanoTime();
        double[] stage = new double[2];
        Optional<List<OcrLine>> reused = verified(frame, pose, frameProbe.hit().result(), stage);
        if (reused.isPresent()) {
          long end = System.nanoTime();
          frameProbe.confirmed(end - v0);
          return new ReusedRead(new OcrResult(reused.get(), new OcrResult.Timings(0, stage[0], stage[1],
              (end - t0) / 1e6)), "hit", 0, 0, lookupNanos / 1e6, frameProbe.hit().tier(), 0);
        }
      }
    }
    long d0 = System.nanoTime();
    List<Quad> quads = ocr.detect(frame).stream().map(DbPostprocess.Detection::quad).toList();
    long d1 = System.nanoTime();
    List<BgrImage> crops = ocr.crops(frame, quads);
    double[] stage = new double[] {(System.nanoTime() - d1) / 1e6, 0};
    OcrLine[] read = new OcrLine[quads.size()];
    int lineHits = 0;
    int peerLineHits = 0;
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
        if (!p.hit().tier().equals(local.name())) {
          peerLineHits++;
        }
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
    String outcome = "off";
    if (frameProbe != null) {
      StoredResult result = TextResults.frame(kept, pose, TextResults.frameLabel(kept, frameProbe.nearest(),
          OcrReuseOptions.FRAME_TOLERANCE));
      if (frameProbe.reused()) {
        frameProbe.rejected(result, end - t0);
        outcome = "rejected";
      } else {
        frameProbe.computed(result, end - t0);
        outcome = frameProbe.audited() ? "audit" : "miss";
      }
    }
    OcrResult result = new OcrResult(kept, new OcrResult.Timings((d1 - d0) / 1e6, stage[0], stage[1],
        (end - t0) / 1e6));
    return new ReusedRead(result, outcome, lineHits, lines == null ? 0 : quads.size(), lookupNanos / 1e6, "",
        peerLineHits);
  }

  /**
   * A stored frame's lines placed in this frame (moved from the stored frame's pose to this one's), after re-reading
   * {@code verifyLines} of them, drawn at random, in this frame: each must read within {@link
   * OcrReuseOptions#LINE_TOLERANCE} of the stored text (and above the drop score), else the reuse is rejected
   * (empty). A re-read line reports its new reading. Stage times of the re-reading go to {@code stage}.
   */
  private Optional<List<OcrLine>> verified(BgrImage frame, FramePose pose, StoredResult stored, double[] stage) {
    Optional<FramePose> from = TextResults.pose(stored);
    if (from.isEmpty()) {
      return Optional.empty();
    }
    List<OcrLine> placed = new ArrayList<>();
    for (OcrLine l : TextResults.lines(stored)) {
      placed.add(new OcrLine(l.text(), pose.map(l.quad(), from.get()), l.confidence(), l.rotated180()));
    }
    List<Integer> check = pick(placed.size(), options.verifyLines());
    if (check.isEmpty()) {
      return Optional.of(placed);
    }
    List<Quad> quads = check.stream().map(i -> placed.get(i).quad()).toList();
    List<OcrLine> reread;
    try {
      reread = ocr.recognizeCrops(ocr.crops(frame, quads), quads, stage);
    } catch (EdgewiseException e) {
      // a region moved off the frame: nothing there to confirm the reuse with
      return Optional.empty();
    }
    for (int k = 0; k < check.size(); k++) {
      OcrLine now = reread.get(k);
      String was = placed.get(check.get(k)).text();
      int longer = Math.max(was.length(), now.text().length());
      if (now.confidence() < ocr.options().dropScore()
          || OcrEvaluator.editDistance(was, now.text()) > OcrReuseOptions.LINE_TOLERANCE * longer) {
        return Optional.empty();
      }
      placed.set(check.get(k), now);
    }
    return Optional.of(placed);
  }

  /** {@code k} distinct indexes of {@code n}, drawn at random (all of them when k >= n). */
  private List<Integer> pick(int n, int k) {
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(i);
    }
    if (k >= n) {
      return all;
    }
    synchronized (verifyRandom) {
      for (int i = 0; i < k; i++) {
        java.util.Collections.swap(all, i, i + verifyRandom.nextInt(n - i));
      }
    }
    return all.subList(0, k);
  }

  /**
   * This device's store as a tier (never the peers: a peer asking it must not be sent on to a third device), with
   * the thresholds calibrated here: what a node's peer port answers other nodes' look-ups with.
   */
  public LocalReuseTier localTier() {
    return local;
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

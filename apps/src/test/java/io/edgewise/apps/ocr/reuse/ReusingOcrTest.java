package io.edgewise.apps.ocr.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.apps.ocr.Point;
import io.edgewise.apps.ocr.stream.CameraStream;
import io.edgewise.apps.ocr.stream.FrameScore;
import io.edgewise.reuse.ReuseOptions;
import io.edgewise.reuse.ReuseStore;
import io.edgewise.reuse.ReuseStoreOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real OCR models over a short camera-like stream of three small pages: reused frames and lines read what the
 * pages say (their ground truth; the pipeline reads these clean pages exactly, OcrPipelineTest), and reuse happens.
 */
class ReusingOcrTest {
  static final Path MODELS = Path.of("../shared/testdata/ocr");

  @TempDir
  Path dir;

  private static List<CameraStream.Frame> stream() {
    PageRenderer.Options page = PageRenderer.Options.defaults().withSize(320, 110).withTextSizes(26, 30);
    CameraStream.Options o = new CameraStream.Options(3, 5, 8, 0.5, 4, 0.02, 1, 0.2, 0.1, 2);
    return new CameraStream(new PageRenderer(page), o, 21).frames(36);
  }

  private static ReuseOptions reuse() {
    return ReuseOptions.defaults().withAccuracyTarget(0.9).withMinCalibrationSamples(6).withAuditRate(0);
  }

  @Test
  void framesAndLinesAreReusedWithTheirText() {
    assumeTrue(Files.isDirectory(MODELS), "no " + MODELS);
    List<CameraStream.Frame> frames = stream();
    try (OcrPipeline ocr = OcrPipeline.open(MODELS, OcrOptions.defaults().withDevice("cpu"));
        ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      ReusingOcr r = new ReusingOcr(ocr, new OcrReuseOptions(true, true, reuse()), store, List.of(),
          new SimpleMeterRegistry());
      int frameHits = 0;
      int lineHits = 0;
      FrameScore.Errors reusedErrors = new FrameScore.Errors(0, 0);
      FrameScore.Errors all = new FrameScore.Errors(0, 0);
      for (CameraStream.Frame f : frames) {
        ReusedRead read = r.read(f.image());
        List<String> texts = read.result().lines().stream().map(OcrLine::text).toList();
        FrameScore.Errors e = FrameScore.score(f.truth(), texts);
        all = all.plus(e);
        if (read.frame().equals("hit") || read.lineHits() > 0) {
          reusedErrors = reusedErrors.plus(e);
        }
        frameHits += read.frame().equals("hit") ? 1 : 0;
        lineHits += read.lineHits();
        assertTrue(read.lookupMs() >= 0 && read.result().timings().total() > 0);
      }
      r.save();
      assertTrue(frameHits + lineHits > 0, "nothing was reused over " + frames.size() + " frames of 3 pages");
      assertTrue(reusedErrors.cer() <= 0.02, "reused readings: CER " + reusedErrors.cer());
      assertTrue(all.cer() <= 0.02, "all readings: CER " + all.cer());
    }
  }

  /**
   * Frame reuse alone under camera shake: frames are reused, each reused frame reads its page's truth, and each reused
   * line sits where that line's ink is in this frame (the stream's placement of the page's truth boxes), not where it
   * was in the frame it came from.
   */
  @Test
  void reusedFramesReadTheTruthWithTheirLinesMovedToThisFrame() {
    assumeTrue(Files.isDirectory(MODELS), "no " + MODELS);
    PageRenderer.Options page = PageRenderer.Options.defaults().withSize(320, 110).withTextSizes(26, 30);
    PageRenderer renderer = new PageRenderer(page);
    // the camera stream's own jitter: +-6 px, +-3%, +-1.5 degrees, blur, brightness and noise
    CameraStream.Options o = new CameraStream.Options(3, 5, 8, 0.5, 6, 0.03, 1.5, 0.3, 0.15, 3);
    // calibration looks at its shadow decisions every 32: reuse starts after the second look (at 0.9, some 25
    // agreeing decisions inside the radius)
    List<CameraStream.Frame> frames = new CameraStream(renderer, o, 23).frames(100);
    try (OcrPipeline ocr = OcrPipeline.open(MODELS, OcrOptions.defaults().withDevice("cpu"));
        ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      ReusingOcr r = new ReusingOcr(ocr, new OcrReuseOptions(true, false, reuse()), store, List.of(),
          new SimpleMeterRegistry());
      int hits = 0;
      double worstCentre = 0;
      for (CameraStream.Frame f : frames) {
        ReusedRead read = r.read(f.image());
        if (!read.frame().equals("hit")) {
          continue;
        }
        hits++;
        List<String> texts = read.result().lines().stream().map(OcrLine::text).toList();
        assertTrue(FrameScore.score(f.truth(), texts).cer() <= 0.02, "frame " + f.index() + " read " + texts
            + ", truth " + f.truth());
        assertEquals(0, read.result().timings().det(), "no detector ran");
        List<PageRenderer.TruthLine> truth = renderer.render(23, f.page()).lines();
        for (OcrLine line : read.result().lines()) {
          PageRenderer.TruthLine t = truth.stream().min(java.util.Comparator.comparingInt(
              x -> io.edgewise.apps.ocr.OcrEvaluator.editDistance(x.text(), line.text()))).orElseThrow();
          double[] b = t.box();
          Point centre = f.onFrame(new Point((b[0] + b[2]) / 2, (b[1] + b[3]) / 2));
          double[] got = line.quad().bounds();
          worstCentre = Math.max(worstCentre, centre.distance(new Point((got[0] + got[2]) / 2,
              (got[1] + got[3]) / 2)));
        }
      }
      assertTrue(hits >= 10, "only " + hits + " of " + frames.size() + " frames reused");
      // shifts of up to 12 px between two frames; a detected box is centred on its ink within a pixel or two
      assertTrue(worstCentre < 6, "a reused line's centre is " + worstCentre + " px from its ink in this frame");
    }
  }

  @Test
  void withReuseOffItReadsAsThePipeline() {
    assumeTrue(Files.isDirectory(MODELS), "no " + MODELS);
    CameraStream.Frame f = stream().get(0);
    try (OcrPipeline ocr = OcrPipeline.open(MODELS, OcrOptions.defaults().withDevice("cpu"));
        ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      ReusingOcr r = new ReusingOcr(ocr, OcrReuseOptions.named("none", reuse()), store, List.of(),
          new SimpleMeterRegistry());
      ReusedRead read = r.read(f.image());
      assertEquals("off", read.frame());
      assertEquals(0, read.lineLookups());
      assertEquals(ocr.read(f.image()).lines(), read.result().lines());
    }
  }
}

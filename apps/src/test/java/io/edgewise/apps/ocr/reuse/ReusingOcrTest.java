package io.edgewise.apps.ocr.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.PageRenderer;
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

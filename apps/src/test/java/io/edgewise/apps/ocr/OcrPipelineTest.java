package io.edgewise.apps.ocr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.EdgewiseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three real models on a small rendered page (tests run from the repository root; the models are in ../shared). */
class OcrPipelineTest {
  static final Path MODELS = Path.of("../shared/testdata/ocr");

  @Test
  void readsARenderedPageOnCpu() {
    assumeTrue(Files.isDirectory(MODELS), "no " + MODELS);
    PageRenderer.Options small = PageRenderer.Options.defaults().withSize(384, 128).withTextSizes(28, 32);
    PageRenderer.Page page = new PageRenderer(small).render(7, 0);
    assertFalse(page.lines().isEmpty());
    try (OcrPipeline ocr = OcrPipeline.open(MODELS, OcrOptions.defaults().withDevice("cpu"))) {
      OcrResult r = ocr.read(page.image());
      assertEquals(page.lines().stream().map(PageRenderer.TruthLine::text).toList(),
          r.lines().stream().map(OcrLine::text).toList());
      for (int i = 0; i < r.lines().size(); i++) {
        assertTrue(OcrEvaluator.iou(page.lines().get(i).box(), r.lines().get(i).quad().bounds()) > 0.5);
        assertTrue(r.lines().get(i).confidence() > 0.9, r.lines().get(i).toString());
      }
      assertTrue(r.timings().total() >= r.timings().det() + r.timings().rec());
      // the same line upside down: the classifier turns it back
      BgrImage flipped = page.image().rotate180();
      OcrResult f = ocr.read(flipped);
      assertEquals(page.lines().get(0).text(), f.lines().get(f.lines().size() - 1).text());
      assertTrue(f.lines().get(f.lines().size() - 1).rotated180());
    }
  }

  @Test
  void aPlacedViewHandsEveryModelRunToItsRunnerAndSharesTheSessions() {
    assumeTrue(Files.isDirectory(MODELS), "no " + MODELS);
    PageRenderer.Options small = PageRenderer.Options.defaults().withSize(384, 128).withTextSizes(28, 32);
    PageRenderer.Page page = new PageRenderer(small).render(7, 0);
    try (OcrPipeline ocr = OcrPipeline.open(MODELS, OcrOptions.defaults().withDevice("cpu"))) {
      List<OcrStage> seen = new java.util.ArrayList<>();
      List<String> texts;
      try (OcrPipeline view = ocr.placed((stage, local, inputs) -> {
        seen.add(stage);
        assertEquals(ocr.session(stage), local);
        return local.run(inputs);
      })) {
        texts = view.read(page.image()).lines().stream().map(OcrLine::text).toList();
      }
      assertEquals(List.of(OcrStage.DETECTOR, OcrStage.CLASSIFIER, OcrStage.RECOGNIZER), seen);
      // closing the view closed nothing: the pipeline still reads, and reads the same
      assertEquals(texts, ocr.read(page.image()).lines().stream().map(OcrLine::text).toList());
      assertEquals(page.lines().stream().map(PageRenderer.TruthLine::text).toList(), texts);
    }
  }

  @Test
  void aModelsDirectoryMissingAFileIsOneErrorNamingIt(@TempDir Path dir) throws IOException {
    for (String f : List.of(OcrPipeline.DETECTOR, OcrPipeline.RECOGNIZER, OcrPipeline.DICTIONARY)) {
      Files.writeString(dir.resolve(f), "x");
    }
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> OcrPipeline.open(dir, OcrOptions.defaults()));
    assertTrue(e.getMessage().contains(OcrPipeline.CLASSIFIER) && e.getMessage().contains(dir.toString()),
        e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
    EdgewiseException none = assertThrows(EdgewiseException.class,
        () -> OcrPipeline.open(dir.resolve("nope"), OcrOptions.defaults()));
    assertTrue(none.getMessage().contains("nope"), none.getMessage());
  }
}

package io.edgewise.serve.dystri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The OCR levels on a rendered page with the real models: the uncapped level reads what the pipeline itself reads (the
 * oracle), the capped level at most its lines and no more accurately; skipped without ../shared/testdata/ocr.
 */
class OcrLevelsTest {
  static final Path MODELS = Path.of("../shared/testdata/ocr");

  @Test
  void levelsReadWhatThePipelineReadsUpToTheirCap() {
    assumeTrue(Files.isDirectory(MODELS), "no " + MODELS);
    PageRenderer.Page page = new PageRenderer(PageRenderer.Options.defaults().withSize(480, 360)).render(7, 0);
    assumeTrue(page.lines().size() > 2, "the page has more lines than the cap");
    OcrOptions options = OcrOptions.defaults().withDevice("cpu").withThreads(1);
    List<OcrLevels.Setting> settings = List.of(new OcrLevels.Setting(480, 2), new OcrLevels.Setting(480, 0));
    try (OcrLevels levels = OcrLevels.open(MODELS, options, settings, List.of(page));
         OcrPipeline oracle = OcrPipeline.open(MODELS, options.withDetLimitSide(480));
         Tensor image = OcrLevels.image(page.image())) {
      assertEquals(2, levels.ladder().size());
      int capped = levels.ladder().index("det480-lines2");
      int whole = levels.ladder().index("det480");
      assertTrue(levels.ladder().get(capped).accuracy() <= levels.ladder().get(whole).accuracy(),
          levels.ladder().toString());
      List<String> want = oracle.read(page.image()).lines().stream().map(OcrLine::text).toList();
      Map<String, Tensor> out = levels.run(whole, Map.of("image", image));
      try {
        assertEquals(String.join("\n", want), OcrLevels.text(out.get("text")));
      } finally {
        out.values().forEach(Tensor::close);
      }
      Map<String, Tensor> cut = levels.run(capped, Map.of("image", image));
      try {
        String text = OcrLevels.text(cut.get("text"));
        assertTrue(text.isEmpty() || text.split("\n").length <= 2, text);
      } finally {
        cut.values().forEach(Tensor::close);
      }
      assertThrows(EdgewiseException.class, () -> levels.run(whole, Map.of()));
    }
  }
}

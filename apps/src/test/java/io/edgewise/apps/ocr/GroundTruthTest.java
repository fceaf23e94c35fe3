package io.edgewise.apps.ocr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.EdgewiseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroundTruthTest {
  @Test
  void renderedPagesRoundTripThroughTruthJsonAndAreReproducible(@TempDir Path dir) {
    assumeTrue(Files.isDirectory(PageRenderer.DEJAVU), "fonts-dejavu-core is not installed");
    PageRenderer.Options o = PageRenderer.Options.defaults().withSize(400, 300).withAngle(2).withFlipFraction(0.3);
    List<GroundTruth.PageTruth> made = GroundTruth.render(dir, 2, 5, o);
    List<GroundTruth.PageTruth> read = GroundTruth.read(dir);
    assertEquals(2, read.size());
    for (int p = 0; p < 2; p++) {
      assertEquals(made.get(p).lines().size(), read.get(p).lines().size());
      assertTrue(Files.isRegularFile(dir.resolve(read.get(p).image())));
      BgrImage img = ImageDecoder.read(dir.resolve(read.get(p).image()));
      assertEquals(400, img.width());
      for (int i = 0; i < made.get(p).lines().size(); i++) {
        PageRenderer.TruthLine a = made.get(p).lines().get(i);
        PageRenderer.TruthLine b = read.get(p).lines().get(i);
        assertEquals(a.text(), b.text());
        assertEquals(a.flipped(), b.flipped());
        assertEquals(a.box()[0], b.box()[0], 0.06);
        double[] box = b.box();
        assertTrue(box[0] >= 0 && box[1] >= 0 && box[2] <= 400 && box[3] <= 300, "on the page: " + b);
      }
    }
    // the same seed draws the same page
    PageRenderer r = new PageRenderer(o);
    assertEquals(java.util.Arrays.hashCode(r.render(5, 1).image().data()),
        java.util.Arrays.hashCode(r.render(5, 1).image().data()));
  }

  @Test
  void aDirectoryWithoutTruthIsOneError(@TempDir Path dir) {
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> GroundTruth.read(dir));
    assertTrue(e.getMessage().contains("truth.json"), e.getMessage());
  }

  @Test
  void metrics() {
    assertEquals(0, OcrEvaluator.editDistance("abc", "abc"));
    assertEquals(1, OcrEvaluator.editDistance("abc", "abd"));
    assertEquals(3, OcrEvaluator.editDistance("", "abc"));
    assertEquals(2, OcrEvaluator.editDistance("kitten", "sitte"));
    assertEquals(1.0 / 7, OcrEvaluator.iou(new double[] {0, 0, 2, 2}, new double[] {1, 1, 3, 3}), 1e-9);
    assertEquals(0, OcrEvaluator.iou(new double[] {0, 0, 1, 1}, new double[] {2, 2, 3, 3}));
  }
}

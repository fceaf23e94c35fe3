package io.edgewise.bench.budget;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.apps.ocr.GroundTruth;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recogniser's evaluation lines and their score: each line an input of height 48 and its own width (>= 320), and
 * the score 1 - CER computed by hand: a fake softmax output spelling the true text (one class per step, from the
 * dictionary file) scores 1, one spelling the text less its last character scores 1 - 1/length, all blanks score 0.
 */
class OcrLineSamplesTest {
  @TempDir
  Path pages;

  @Test
  void linesAreRecogniserInputsAndScoresAreOneMinusCer() throws Exception {
    GroundTruth.render(pages, 1, 3, PageRenderer.Options.defaults());
    Path dictionary = TestData.root().resolve("ocr/ppocr_keys_v1.txt");
    OcrLineSamples s = new OcrLineSamples(pages, dictionary, "x", 5);
    assertTrue(s.size() > 0 && s.size() <= 5, "lines: " + s.size());
    String truth = GroundTruth.read(pages).get(0).lines().get(0).text();
    Map<String, Tensor> in = s.input(0);
    long[] dims = in.get("x").shape().dims();
    assertEquals(48, dims[2]);
    assertTrue(dims[3] >= 320, "width " + dims[3]);
    in.values().forEach(Tensor::close);

    List<String> dict = Files.readAllLines(dictionary, StandardCharsets.UTF_8);
    int classes = dict.size() + 2;  // blank, the dictionary, space
    assertEquals(1.0, s.score(0, spell(truth, dict, classes)), 1e-9);
    String shorter = truth.substring(0, truth.length() - 1);
    assertEquals(1 - 1.0 / truth.length(), s.score(0, spell(shorter, dict, classes)), 1e-9);
    assertEquals(0.0, s.score(0, spell("", dict, classes)), 1e-9);
  }

  /** A [1, steps, classes] output whose greedy CTC decoding is {@code text}: each character, then a blank. */
  private static Map<String, Tensor> spell(String text, List<String> dict, int classes) {
    int steps = 2 * text.length() + 1;
    float[] p = new float[steps * classes];
    for (int t = 0; t < steps; t++) {
      int k = 0;  // blank
      if (t % 2 == 0 && t / 2 < text.length()) {
        String c = String.valueOf(text.charAt(t / 2));
        k = c.equals(" ") ? classes - 1 : dict.indexOf(c) + 1;
        assertTrue(k > 0, "'" + c + "' is in the dictionary");
      }
      p[t * classes + k] = 1;
    }
    return Map.of("y", Tensor.ofFloats(Shape.of(1, steps, classes), p));
  }

  /**
   * The classifier's samples: two per line (upright, then turned 180 degrees), each 1 x 3 x 48 x 192, scored by the
   * pipeline's rule on hand-made outputs ("180" wins only above the 0.9 threshold); and the real classifier, the
   * independent check that the second of each pair is the turned one, reads most of them right.
   */
  @Test
  void orientationSamplesArePairsUprightAndTurnedScoredByThePipelinesRule() throws Exception {
    GroundTruth.render(pages, 1, 3, PageRenderer.Options.defaults());
    OcrLineSamples s = OcrLineSamples.orientation(pages, "x", 4);
    assertTrue(s.orientationTask());
    assertEquals(8, s.size(), "4 lines, each upright and turned");
    Map<String, Tensor> in = s.input(1);
    assertArrayEquals(new long[] {1, 3, 48, 192}, in.get("x").shape().dims());
    in.values().forEach(Tensor::close);

    Map<String, Tensor> turned = probs(0.05f, 0.95f);
    Map<String, Tensor> upright = probs(0.95f, 0.05f);
    Map<String, Tensor> unsure = probs(0.2f, 0.8f);  // "180" wins but under the threshold: read as upright
    for (int i = 0; i < s.size(); i++) {
      boolean isTurned = i % 2 == 1;
      assertEquals(isTurned ? 1.0 : 0.0, s.score(i, turned), "sample " + i);
      assertEquals(isTurned ? 0.0 : 1.0, s.score(i, upright), "sample " + i);
      assertEquals(isTurned ? 0.0 : 1.0, s.score(i, unsure), "sample " + i);
    }

    Path model = TestData.root().resolve("ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx");
    String input;
    try (Model m = OnnxImporter.load(model)) {
      input = m.graph().inputs().get(0).name();
    }
    OcrLineSamples real = OcrLineSamples.orientation(pages, input, 4);
    double right = 0;
    try (Session session = Session.open(model, SessionOptions.defaults().withDevice("cpu"))) {
      for (int i = 0; i < real.size(); i++) {
        Map<String, Tensor> x = real.input(i);
        Map<String, Tensor> y = session.run(x);
        right += real.score(i, y);
        y.values().forEach(Tensor::close);
        x.values().forEach(Tensor::close);
      }
    }
    assertTrue(right >= real.size() - 1, "the classifier reads " + right + " of " + real.size() + " right");
  }

  private static Map<String, Tensor> probs(float upright, float turned) {
    return Map.of("y", Tensor.ofFloats(Shape.of(1, 2), new float[] {upright, turned}));
  }
}

package io.edgewise.zoo.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxExporter;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PaddleOCR's opset-9 recogniser moved to opset 13: ONNX Runtime gives the same output before and after. */
class OpsetUpgradeTest {
  static final Path REC = Path.of("../shared/testdata/ocr/ch_PP-OCRv4_rec_infer.onnx");

  @TempDir
  Path dir;

  @Test
  void theRecogniserKeepsItsOutputsInOpset13() {
    assumeTrue(Files.isRegularFile(REC), "needs ../shared/testdata/ocr");
    Path up = dir.resolve("rec13.onnx");
    try (Model m = OnnxImporter.load(REC)) {
      assertEquals(9, m.opset());
      assertNull(OpsetUpgrade.apply(m));
      assertEquals(13, m.opset());
      OnnxExporter.save(m, up);
    }
    float[] x = new float[3 * 48 * 160];
    Random r = new Random(3);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian() * 0.5f;
    }
    float[] before;
    float[] after;
    SessionOptions ort = SessionOptions.defaults().withDevice("ort").withThreads(1);
    try (Tensor t = Tensor.ofFloats(Shape.of(1, 3, 48, 160), x);
         Session a = Session.open(REC, ort); Session b = Session.open(up, ort)) {
      Map<String, Tensor> ya = a.run(Map.of("x", t));
      Map<String, Tensor> yb = b.run(Map.of("x", t));
      before = ya.values().iterator().next().toFloatArray();
      after = yb.values().iterator().next().toFloatArray();
      ya.values().forEach(Tensor::close);
      yb.values().forEach(Tensor::close);
    }
    assertEquals(before.length, after.length);
    double diff = 0;
    for (int i = 0; i < before.length; i++) {
      diff = Math.max(diff, Math.abs(before[i] - after[i]));
    }
    assertTrue(diff <= 1e-5, "max diff " + diff);
  }
}

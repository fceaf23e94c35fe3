package io.edgewise.zoo.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** float16 weights keep float32 where float16 would overflow (PaddleOCR's detector). */
class Fp16ConverterTest {
  static final Path DET = Path.of("../shared/testdata/ocr/ch_PP-OCRv4_det_infer.onnx");

  @TempDir
  Path dir;

  @Test
  void float16RangeIsItsLargestFiniteValue() {
    assertTrue(Fp16Converter.fitsFp16(new float[] {0f, -65504f, 65504f, 1e-9f}));
    assertFalse(Fp16Converter.fitsFp16(new float[] {1f, 65536f}));
    assertFalse(Fp16Converter.fitsFp16(new float[] {-9.8e7f}));
  }

  /**
   * The detector's first BatchNormalization has a running variance of 9.8e7: as float16 it became infinity and the
   * detector's output all zeros. It stays float32; every initializer that did become float16 is finite.
   */
  @Test
  void theDetectorsHugeVarianceStaysFloat32() {
    assumeTrue(Files.isRegularFile(DET), "needs ../shared/testdata/ocr");
    Path half = dir.resolve("det16.onnx");
    Fp16Converter.Result r = Fp16Converter.convert(DET, half);
    assertNull(r.skipReason());
    try (Model m = OnnxImporter.load(half)) {
      Map<String, Tensor> init = m.graph().initializers();
      Tensor variance = init.get("batch_norm_0.w_2");
      assertEquals(DType.FLOAT32, variance.dtype(), "read by BatchNormalization as it was");
      float max = 0;
      for (float f : variance.toFloatArray()) {
        max = Math.max(max, Math.abs(f));
      }
      assertTrue(max > 65504f, "the variance that overflows float16: " + max);
      long halves = 0;
      for (Tensor t : init.values()) {
        if (t.dtype() == DType.FLOAT16) {
          halves++;
          for (float f : t.toFloatArray()) {
            assertTrue(Float.isFinite(f), "a float16 initializer holds " + f);
          }
        }
      }
      assertEquals(r.converted(), halves);
      assertTrue(halves > 100, halves + " initializers became float16");
    }
  }
}

package io.edgewise.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.backend.NodePlacement;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.NativeLeakGuard;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The real PaddleOCR recogniser (1x3x48x320) and classifier (1x3x48x192) on cpu agree with ref, and the ops that
 * used to run on the reference kernels there (ReduceMean of the recogniser's LayerNorms, its Softmax, the Concats)
 * run on cpu's own native kernels, with no fallback. Speed is measured by `edgewise bench`, not here.
 */
@ExtendWith(NativeLeakGuard.class)
class CpuOcrModelsTest {
  private static final Set<String> NATIVE = Set.of("ReduceMean", "Softmax", "Concat", "Resize");

  @Test
  void recogniserMatchesRefWithItsReductionsOnNativeKernels() {
    check("ocr/ch_PP-OCRv4_rec_infer.onnx", 48, 320);
  }

  @Test
  void classifierMatchesRefWithItsReductionsOnNativeKernels() {
    check("ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx", 48, 192);
  }

  private static void check(String file, long h, long w) {
    Path model = TestData.root().resolve(file);
    Assumptions.assumeTrue(Files.isRegularFile(model), model + " is not present");
    Random rnd = new Random(17);
    try (Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(1, 3, h, w));
        Session cpu = Session.open(model, SessionOptions.defaults().withDevice("cpu").withThreads(2));
        Session ref = Session.open(model, SessionOptions.defaults().withDevice("ref"))) {
      for (long k = 0; k < x.size(); k++) {
        x.setFloat(k, rnd.nextFloat() * 2 - 1);
      }
      float[] e = only(ref.run(Map.of("x", x)));
      float[] a = only(cpu.run(Map.of("x", x)));
      assertEquals(e.length, a.length, file);
      for (int k = 0; k < e.length; k++) {
        assertEquals(e[k], a[k], 1e-4 * Math.max(1, Math.abs(e[k])), file + " [" + k + "]");
      }
      int nativeNodes = 0;
      for (NodePlacement p : cpu.placement()) {
        if (NATIVE.contains(p.op())) {
          assertEquals("cpu", p.device(), p.toString());
          assertNull(p.fallbackReason(), p.toString());
          nativeNodes++;
        }
      }
      assertTrue(nativeNodes > 0, file + ": none of " + NATIVE + " in " + cpu.placement());
    }
  }

  private static float[] only(Map<String, Tensor> outputs) {
    assertEquals(1, outputs.size());
    float[] v = outputs.values().iterator().next().toFloatArray();
    outputs.values().forEach(Tensor::close);
    return v;
  }
}

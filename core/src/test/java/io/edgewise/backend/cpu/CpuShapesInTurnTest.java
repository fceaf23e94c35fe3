package io.edgewise.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One cpu session fed images of three sizes in turn, several rounds (the plans kept per input shape: the memory
 * pool's arena plans, the NCHWc kernels' per-node plans), agrees with ref every time. Speed is measured by
 * `edgewise shape-bench`, not here.
 */
@ExtendWith(NativeLeakGuard.class)
class CpuShapesInTurnTest {
  @Test
  void theDetectorFedThreeSizesInTurnMatchesRefEveryRun() {
    Path model = TestData.root().resolve("ocr/ch_PP-OCRv4_det_infer.onnx");
    Assumptions.assumeTrue(Files.isRegularFile(model), model + " is not present");
    long[][] sizes = {{64, 64}, {64, 96}, {96, 64}};
    Random rnd = new Random(5);
    Tensor[] inputs = new Tensor[sizes.length];
    float[][] expected = new float[sizes.length][];
    try (Session cpu = Session.open(model, SessionOptions.defaults().withDevice("cpu").withThreads(1));
        Session ref = Session.open(model, SessionOptions.defaults().withDevice("ref"))) {
      for (int i = 0; i < sizes.length; i++) {
        inputs[i] = Tensor.allocate(DType.FLOAT32, Shape.of(1, 3, sizes[i][0], sizes[i][1]));
        for (long k = 0; k < inputs[i].size(); k++) {
          inputs[i].setFloat(k, rnd.nextFloat() * 2 - 1);
        }
        expected[i] = only(ref.run(Map.of("x", inputs[i])));
      }
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < sizes.length; i++) {
          float[] e = expected[i];
          float[] a = only(cpu.run(Map.of("x", inputs[i])));
          String where = "round " + round + ", " + sizes[i][0] + "x" + sizes[i][1];
          assertEquals(e.length, a.length, where);
          assertEquals(sizes[i][0] * sizes[i][1], a.length, where);
          for (int k = 0; k < e.length; k++) {
            assertEquals(e[k], a[k], 1e-4 * Math.max(1, Math.abs(e[k])), where + " [" + k + "]");
          }
        }
      }
      assertTrue(cpu.placement().size() > 0);
    } finally {
      for (Tensor t : inputs) {
        if (t != null) {
          t.close();
        }
      }
    }
  }

  private static float[] only(Map<String, Tensor> outputs) {
    assertEquals(1, outputs.size());
    float[] v = outputs.values().iterator().next().toFloatArray();
    outputs.values().forEach(Tensor::close);
    return v;
  }
}

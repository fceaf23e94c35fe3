package io.edgewise.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Executable;
import io.edgewise.backend.reference.ReferenceBackend;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * fp16 weight storage: the digits CNN on every test input stays within the fp16 tolerance
 * ({@link ClOptions#HALF_WEIGHTS_RELATIVE_TOLERANCE} of the largest logit) of the fp32 reference and predicts the
 * same class; its convolutions really hold fp16 weights.
 */
class HalfWeightsTest {
  @Test
  void digitsWithHalfWeightsStayWithinTheHalfTolerance() {
    ClDevice d = ClTestDevices.first();
    Path dir = TestData.model("digits_cnn_0to9");
    long buffers = ClBuffer.liveCount();
    try (OpenClBackend backend = new OpenClBackend(d.index(), ClOptions.defaults().withHalfWeights(true));
         Model m = OnnxImporter.load(dir.resolve("model.onnx"));
         Model refModel = OnnxImporter.load(dir.resolve("model.onnx"));
         Executable exe = backend.compile(m, BackendOptions.defaults());
         Executable ref = new ReferenceBackend().compile(refModel, BackendOptions.defaults())) {
      String input = m.graph().inputs().get(0).name();
      for (int set = 0; set < 5; set++) {
        try (Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_" + set + "/input_0.pb"))) {
          Map<String, Tensor> got = exe.run(Map.of(input, x));
          Map<String, Tensor> want = ref.run(Map.of(input, x));
          float[] g = got.values().iterator().next().toFloatArray();
          float[] w = want.values().iterator().next().toFloatArray();
          got.values().forEach(Tensor::close);
          want.values().forEach(Tensor::close);
          double max = 0;
          int argG = 0;
          int argW = 0;
          for (int i = 0; i < w.length; i++) {
            max = Math.max(max, Math.abs(w[i]));
            argG = g[i] > g[argG] ? i : argG;
            argW = w[i] > w[argW] ? i : argW;
          }
          for (int i = 0; i < w.length; i++) {
            assertEquals(w[i], g[i], ClOptions.HALF_WEIGHTS_RELATIVE_TOLERANCE * max, "set " + set + " logit " + i);
          }
          assertEquals(argW, argG, "set " + set + ": the predicted class");
        }
      }
      var convs = ((ClExecutable) exe).convolutions().values();
      assertTrue(!convs.isEmpty() && convs.stream().allMatch(ClConvolution::halfWeights), "fp16 weights on device");
    }
    assertEquals(buffers, ClBuffer.liveCount(), "closing the executable and backend released every device buffer");
  }
}

package io.edgewise.train.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import io.edgewise.tensor.TensorScope;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real architectures of the shared models (random weights): MobileNetV2 (depthwise convolutions, Clip with Constant
 * bounds, residual Adds) and SqueezeNet 1.1 (Concats, biases shared through Identity, a Conv classifier) pruned at
 * 50% compute on cpu what the original computes with every pruned channel zeroed at its convolution (filters and bias;
 * after Relu or Clip(0, 6) such a channel is 0 everywhere downstream), within the models' float32 tolerance.
 */
class RealModelsPruneTest {
  @Test
  void mobileNetV2() {
    check("mobilenet_v2", 0);
  }

  @Test
  void resNet18() {
    check("resnet18", 0);
  }

  @Test
  void squeezeNet() {
    // the classifier conv feeds the output through GlobalAveragePool and Flatten: it keeps its 1000 channels
    PruneResult.ConvChannels head = check("squeezenet1_1", 1).convs().stream()
        .reduce((a, b) -> b).orElseThrow();
    assertEquals(1000, head.keptCount());
  }

  @Test
  void theOcrOrientationClassifierIsSkippedForOpsWithoutBackwardPass() {
    Path file = TestData.root().resolve("ocr").resolve("ch_ppocr_mobile_v2.0_cls_infer.onnx");
    try (Model m = OnnxImporter.load(file); PruneResult r = ChannelPruner.prune(m, 0.5)) {
      assertTrue(r.isSkipped());
      assertTrue(r.skippedReason().startsWith("ops without a backward pass in training: [Cast, Div, HardSigmoid, Mul, "
          + "Shape, Slice, Softmax]"), r.skippedReason());
    }
  }

  private static PruneResult check(String name, int keptWhole) {
    Path file = TestData.model(name).resolve("model.onnx");
    try (TensorScope scope = TensorScope.open(); Model m = OnnxImporter.load(file)) {
      PruneResult r = ChannelPruner.prune(m, 0.5);
      try {
        assertNull(r.skippedReason());
        assertEquals(keptWhole, r.keptConvs().size(), r.keptConvs().toString());
        assertTrue(r.parametersAfter() < r.parametersBefore() * 0.6, r.summary());
        Model zeroed = OnnxImporter.load(file);
        for (PruneResult.ConvChannels c : r.convs()) {
          Node conv = zeroed.graph().nodes().stream().filter(n -> n.label().equals(c.conv())).findFirst()
              .orElseThrow();
          zeroRows(zeroed.graph().initializers().get(conv.input(1)), c.kept());
          Tensor bias = zeroed.graph().initializers().get(conv.input(2));
          if (bias != null) {  // SqueezeNet's zero biases come through Identity nodes: zero already
            zeroRows(bias, c.kept());
          }
        }
        SessionOptions cpu = SessionOptions.defaults().withDevice("cpu");
        Tensor x = TensorProtos.readFile(TestData.model(name).resolve("test_data_set_0").resolve("input_0.pb"));
        try (Session oracle = Session.open(zeroed, cpu); Session pruned = Session.open(DigitsPruneTest.copy(r.model()),
            cpu)) {
          float[] expected = oracle.run(Map.of("input", x)).get("logits").toFloatArray();
          float[] actual = pruned.run(Map.of("input", x)).get("logits").toFloatArray();
          double max = Arrays.stream(toDouble(expected)).map(Math::abs).max().orElse(0);
          for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], actual[k], 1e-4 * max, name + " logit " + k);
          }
        }
        return r;
      } finally {
        r.close();
      }
    }
  }

  private static void zeroRows(Tensor t, int[] kept) {
    float[] v = t.toFloatArray();
    int rows = (int) t.shape().dim(0);
    int per = v.length / rows;
    for (int c = 0; c < rows; c++) {
      if (Arrays.binarySearch(kept, c) < 0) {
        Arrays.fill(v, c * per, (c + 1) * per, 0f);
      }
    }
    t.setFloats(v);
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}

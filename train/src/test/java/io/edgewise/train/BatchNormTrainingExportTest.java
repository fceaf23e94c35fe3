package io.edgewise.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorScope;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small CNN with batch normalization trained from scratch on the digits (every layer, BN in training mode): its
 * running statistics move, and the exported model, run by ONNX Runtime on those running statistics, gives the
 * outputs of our own inference-mode forward.
 */
class BatchNormTrainingExportTest {
  @TempDir
  Path tmp;

  private static Tensor random(Random r, double scale, long... dims) {
    Shape s = Shape.of(dims);
    float[] v = new float[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextGaussian() * scale);
    }
    return Tensor.ofFloats(s, v);
  }

  /** x [1,1,8,8] -> Conv 3x3 (8) -> BN -> Relu -> AveragePool 2x2 -> Flatten (128) -> Gemm (10). */
  private static Model model() {
    Random r = new Random(3);
    Graph g = new Graph("bn_cnn");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1, 1, 8, 8)));
    g.initializers().put("cw", random(r, 0.5, 8, 1, 3, 3));
    g.initializers().put("scale", Tensor.ofFloats(Shape.of(8), 1, 1, 1, 1, 1, 1, 1, 1));
    g.initializers().put("shift", Tensor.ofFloats(Shape.of(8), new float[8]));
    g.initializers().put("mean", Tensor.ofFloats(Shape.of(8), new float[8]));
    g.initializers().put("var", Tensor.ofFloats(Shape.of(8), 1, 1, 1, 1, 1, 1, 1, 1));
    g.initializers().put("fw", random(r, 0.1, 10, 128));
    g.initializers().put("fb", Tensor.ofFloats(Shape.of(10), new float[10]));
    g.nodes().add(new Node("conv", "Conv", "", List.of("x", "cw"), List.of("c"),
        Map.of("pads", Attribute.ofInts("pads", 1, 1, 1, 1))));
    g.nodes().add(new Node("bn", "BatchNormalization", List.of("c", "scale", "shift", "mean", "var"), List.of("b")));
    g.nodes().add(new Node("relu", "Relu", List.of("b"), List.of("r")));
    g.nodes().add(new Node("pool", "AveragePool", "", List.of("r"), List.of("p"),
        Map.of("kernel_shape", Attribute.ofInts("kernel_shape", 2, 2), "strides", Attribute.ofInts("strides", 2, 2))));
    g.nodes().add(new Node("flat", "Flatten", List.of("p"), List.of("f")));
    g.nodes().add(new Node("fc", "Gemm", "", List.of("f", "fw", "fb"), List.of("y"),
        Map.of("transB", Attribute.ofInt("transB", 1))));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, 10)));
    return new Model(g, Map.of("", 15L), 8, "test", null, null);
  }

  @Test
  void trainedBatchNormExportsItsRunningStatistics() {
    DataSplit data = DataSplit.load(TestData.root().resolve("digits"), null, DataSplit.Protocol.B, 10);
    Path out = tmp.resolve("bn.onnx");
    try (TensorScope scope = TensorScope.open(); Model m = model();
        FineTuner tuner = new FineTuner(m, FineTuneConfig.defaults("cpu", 30, 0.05).withBatchSize(16)
            .withOptimizer("sgd", 0.9, false, 0), null)) {
      FineTuner.Result r = tuner.run(data);
      assertTrue(r.testAccuracy() > 0.5, "learns the digits from scratch: " + r.testAccuracy());
      assertTrue(r.trainedParameters().containsAll(List.of("cw", "scale", "shift", "fw", "fb")));
      float[] mean = m.graph().initializers().get("mean").toFloatArray();
      assertFalse(Arrays.equals(new float[8], mean), "running mean moved: " + Arrays.toString(mean));
      TunedModels.export(m, out);
      try (Session ort = Session.open(out, SessionOptions.defaults().withDevice("ort"))) {
        for (int i = 0; i < 20; i++) {
          HeapTensor x = data.test().batch(new int[] {i}, new int[] {1, 8, 8});
          float[] ours = tuner.trainGraph().forward(Map.of("x", x), false, false).value("y").data();
          float[] theirs = ort.run(Map.of("x", Tensor.ofFloats(Shape.of(1, 1, 8, 8), x.data()))).get("y")
              .toFloatArray();
          for (int k = 0; k < 10; k++) {
            assertEquals(ours[k], theirs[k], 1e-4f * Math.max(1, Math.abs(ours[k])), "sample " + i + " class " + k);
          }
        }
      }
    }
  }
}

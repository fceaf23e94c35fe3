package io.edgewise.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which parameters train, on the digits CNN (conv1, conv2, fc). */
class FreezingTest {
  private static Set<String> trainable(Freezing f) {
    try (Model m = OnnxImporter.load(TestData.model("digits_cnn_0to4").resolve("model.onnx"))) {
      return f.trainableParameters(m.graph());
    }
  }

  @Test
  void untilANodeOrItsOutput() {
    Set<String> all = Set.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias");
    assertEquals(all, trainable(Freezing.none()));
    assertEquals(Set.of("conv2.weight", "conv2.bias", "fc.weight", "fc.bias"), trainable(Freezing.until("/Relu")));
    assertEquals(Set.of("fc.weight", "fc.bias"), trainable(Freezing.until("/pool/MaxPool_output_0")));
  }

  @Test
  void byNodeOrInitializerName() {
    assertEquals(Set.of("conv1.weight", "conv1.bias", "fc.weight", "fc.bias"),
        trainable(new Freezing(null, Set.of("/conv2/Conv"))));
    assertEquals(Set.of("conv2.weight", "conv2.bias", "fc.weight"),
        trainable(new Freezing("/conv1/Conv", Set.of("fc.bias"))));
  }

  @Test
  void weightsRoutedThroughIdentityNodesTrain() {
    io.edgewise.model.Graph g = new io.edgewise.model.Graph("identity_weights");
    g.inputs().add(io.edgewise.model.ValueInfo.tensor("x", io.edgewise.tensor.DType.FLOAT32,
        io.edgewise.tensor.Shape.of(1, 2)));
    g.initializers().put("w0", io.edgewise.tensor.Tensor.ofFloats(io.edgewise.tensor.Shape.of(2, 2), 1, 2, 3, 4));
    g.nodes().add(new io.edgewise.model.Node("id", "Identity", java.util.List.of("w0"), java.util.List.of("w")));
    g.nodes().add(new io.edgewise.model.Node("fc", "Gemm", java.util.List.of("x", "w"), java.util.List.of("y")));
    g.outputs().add(io.edgewise.model.ValueInfo.tensor("y", io.edgewise.tensor.DType.FLOAT32));
    try (g) {
      assertEquals(Set.of("w0"), Freezing.none().trainableParameters(g));
      TrainGraph t = new TrainGraph(g, 17, TrainingKernels.forDevice("ref"), Set.of("w0"), Set.of());
      HeapTensor x = new HeapTensor(new float[] {1, -1}, new int[] {1, 2});
      var grads = t.backward(t.forward(java.util.Map.of("x", x), true, false),
          java.util.Map.of("y", new HeapTensor(new float[] {1, 2}, new int[] {1, 2})));
      // y = x w: dW = x^T dy = [[1, 2], [-1, -2]]
      org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {1, 2, -1, -2}, grads.get("w0").data());
    }
  }

  @Test
  void unknownNamesAndNothingToTrainAreRefused() {
    TestData.model("digits_cnn_0to4");  // the assumption outside assertThrows: without the shared data, skipped
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> trainable(new Freezing(null, Set.of("fc"))));
    assertTrue(e.getMessage().contains("'fc'"), e.getMessage());
    e = assertThrows(EdgewiseException.class, () -> trainable(Freezing.until("/fc/Gemm")));
    assertTrue(e.getMessage().contains("nothing left to train"), e.getMessage());
  }
}

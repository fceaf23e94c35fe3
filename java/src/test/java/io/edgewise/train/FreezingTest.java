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
  void unknownNamesAndNothingToTrainAreRefused() {
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> trainable(new Freezing(null, Set.of("fc"))));
    assertTrue(e.getMessage().contains("'fc'"), e.getMessage());
    e = assertThrows(EdgewiseException.class, () -> trainable(Freezing.until("/fc/Gemm")));
    assertTrue(e.getMessage().contains("nothing left to train"), e.getMessage());
  }
}

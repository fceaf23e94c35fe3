package io.edgewise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.TestData;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class SessionTest {
  private static Path digits() {
    return TestData.model("digits_cnn_0to9");
  }

  @Test
  void runsADigitModelAndMatchesPyTorchsLogits() {
    try (Session s = Session.open(digits().resolve("model.onnx"));
        Tensor x = TensorProtos.readFile(digits().resolve("test_data_set_0/input_0.pb"));
        Tensor expected = TensorProtos.readFile(digits().resolve("test_data_set_0/output_0.pb"))) {
      Map<String, Tensor> out = s.run(Map.of("input", x));
      try (Tensor y = out.get("logits")) {
        assertEquals(expected.shape(), y.shape());
        for (int i = 0; i < y.size(); i++) {
          assertEquals(expected.getFloat(i), y.getFloat(i), 1e-4 * 40);
        }
      }
    }
  }

  @Test
  void concurrentRunsGiveTheSameAnswer() throws Exception {
    try (Session s = Session.open(digits().resolve("model.onnx"));
        Tensor x = TensorProtos.readFile(digits().resolve("test_data_set_1/input_0.pb"))) {
      float[] reference;
      try (Tensor y = s.run(Map.of("input", x)).get("logits")) {
        reference = y.toFloatArray();
      }
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<float[]>> results = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
          results.add(pool.submit(() -> {
            try (Tensor y = s.run(Map.of("input", x)).get("logits")) {
              return y.toFloatArray();
            }
          }));
        }
        for (Future<float[]> f : results) {
          assertEquals(java.util.Arrays.toString(reference), java.util.Arrays.toString(f.get()));
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  @Test
  void wrongInputsAreRefusedByName() {
    try (Session s = Session.open(digits().resolve("model.onnx"));
        Tensor wrongShape = Tensor.allocate(DType.FLOAT32, Shape.of(1, 1, 9, 8));
        Tensor wrongType = Tensor.allocate(DType.INT64, Shape.of(1, 1, 8, 8))) {
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> s.run(Map.of("input", wrongShape)));
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage().contains("'input'") && e.getMessage().contains("[1, 1, 9, 8]"), e.getMessage());
      e = assertThrows(EdgewiseException.class, () -> s.run(Map.of("input", wrongType)));
      assertTrue(e.getMessage().contains("float"), e.getMessage());
      e = assertThrows(EdgewiseException.class, () -> s.run(Map.of("image", wrongType)));
      assertTrue(e.getMessage().endsWith(" has no input 'image' (inputs: [input])"), e.getMessage());
      e = assertThrows(EdgewiseException.class, () -> s.run(Map.of()));
      assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }
  }

  @Test
  void closeReleasesAllNativeMemoryAndLaterRunsFail() {
    long before = NativeCore.allocatedBytes();
    Session s = Session.open(digits().resolve("model.onnx"));
    try (Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(1, 1, 8, 8))) {
      s.run(Map.of("input", x)).values().forEach(Tensor::close);
      s.close();
      assertThrows(EdgewiseException.class, () -> s.run(Map.of("input", x)));
    }
    assertEquals(before, NativeCore.allocatedBytes());
  }

  @Test
  void unknownDeviceIsAClearError() {
    Path model = digits().resolve("model.onnx");  // outside assertThrows: without the shared data, skipped
    EdgewiseException e = assertThrows(EdgewiseException.class,
        () -> Session.open(model, SessionOptions.defaults().withDevice("tpu")));
    assertTrue(e.getMessage().contains("'tpu'"), e.getMessage());
  }
}

package io.edgewise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.TestData;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * After warm-up, inference recycles tensor memory: repeated runs make no native allocation at all. On cpu these
 * models run in the blocked layout (NCHWc convolutions, depthwise, residual adds, pooling, concats, conversions).
 */
class SteadyStateAllocationTest {
  @Test
  void steadyStateRunsAllocateNoNativeMemory() {
    for (String device : new String[] {"cpu", "ref"}) {
      String[] models = device.equals("cpu") ? new String[] {"squeezenet1_1", "mobilenet_v2", "digits_cnn_0to9"}
          : new String[] {"squeezenet1_1", "digits_cnn_0to9"};
      for (String model : models) {
        Path dir = TestData.model(model);
        try (Session s = Session.open(dir.resolve("model.onnx"), SessionOptions.defaults().withDevice(device));
            Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"))) {
          for (int i = 0; i < 3; i++) {
            s.run(Map.of("input", x)).values().forEach(Tensor::close);
          }
          long before = NativeCore.allocationCount();
          for (int i = 0; i < 10; i++) {
            s.run(Map.of("input", x)).values().forEach(Tensor::close);
          }
          assertEquals(0, NativeCore.allocationCount() - before, "native allocations in 10 steady-state runs of "
              + model + " on " + device);
        }
      }
    }
  }
}

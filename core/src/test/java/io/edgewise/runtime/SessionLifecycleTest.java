package io.edgewise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Opening and closing many sessions leaves native memory where it was: our allocator's count exactly, and the
 * whole C heap (every native library, the JVM's own mallocs included) within a small margin. Resident set size is
 * not the measure here: the JVM touching its committed heap for the first time grows it without any leak.
 */
class SessionLifecycleTest {
  @Test
  void sessionsOpenedAndClosedKeepNativeMemoryFlat() {
    Path dir = TestData.model("digits_cnn_0to9");
    try (Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"))) {
      long before = NativeCore.allocatedBytes();
      long mallocMidway = 0;
      for (int i = 0; i < 2000; i++) {
        try (Session s = Session.open(dir.resolve("model.onnx"), SessionOptions.defaults().withDevice("cpu"))) {
          s.run(Map.of("input", x)).values().forEach(Tensor::close);
        }
        if (i == 999) {
          assertEquals(before, NativeCore.allocatedBytes(), "native bytes held after 1000 sessions");
          mallocMidway = NativeCore.mallocInUseBytes();
        }
      }
      assertEquals(before, NativeCore.allocatedBytes(), "native bytes held after 2000 sessions");
      long growth = NativeCore.mallocInUseBytes() - mallocMidway;
      // one leaked model per session would be ~100 KiB each, ~100 MiB over these 1000 sessions; the JVM's own
      // mallocs (JIT, GC, threads other tests left running) were seen to add up to ~18 MiB on a loaded machine
      assertTrue(mallocMidway < 0 || growth < 40L << 20, "C heap grew by " + growth + " bytes over 1000 sessions");
    }
  }
}

package io.edgewise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Opening and closing many sessions leaves native memory where it was. */
class SessionLifecycleTest {
  @Test
  void sessionsOpenedAndClosedKeepNativeAndResidentMemoryFlat() throws Exception {
    Path dir = TestData.model("digits_cnn_0to9");
    try (Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"))) {
      long before = NativeCore.allocatedBytes();
      long rssMidway = 0;
      // the first ~1500 sessions touch the JVM heap's committed pages for the first time (measured: resident
      // memory climbs to a plateau there); after that a native leak of one model per session would add >100 MiB
      for (int i = 0; i < 3000; i++) {
        try (Session s = Session.open(dir.resolve("model.onnx"), SessionOptions.defaults().withDevice("cpu"))) {
          s.run(Map.of("input", x)).values().forEach(Tensor::close);
        }
        if (i == 1999) {
          assertEquals(before, NativeCore.allocatedBytes(), "native bytes held after 2000 sessions");
          rssMidway = residentKiB();
        }
      }
      assertEquals(before, NativeCore.allocatedBytes(), "native bytes held after 3000 sessions");
      long growth = residentKiB() - rssMidway;
      assertTrue(growth < 32 * 1024, "resident memory grew by " + growth + " KiB over the last 1000 sessions");
    }
  }

  private static long residentKiB() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return 0;
  }
}

package io.edgewise.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Placement across two OpenCL devices: PoCL's POCL_DEVICES="basic pthread" gives opencl:0 and opencl:1 (a
 * device list is fixed when the OpenCL loader starts, hence a JVM of its own). A model is placed on each device,
 * both run at the same time from two threads, each with its own context and queue, and both match the reference.
 */
class TwoDeviceTest {
  @TempDir
  Path dir;

  @Test
  void aModelRunsOnEachOfTwoDevicesAtOnce() throws Exception {
    ClTestDevices.first();
    String pocl = System.getenv("POCL_CACHE_DIR");
    SubprocessChecks.Result r = SubprocessChecks.run(Map.of("POCL_DEVICES", "basic pthread", "POCL_CACHE_DIR",
        pocl != null ? pocl : dir.resolve("pocl").toString()), dir, 300, "devices",
        TestData.model("digits_cnn_0to9").toString());
    String all = r.out() + r.err();
    assertTrue(r.out().contains("devices: 2"), all);
    assertTrue(r.out().contains("opencl:0 = basic") && r.out().contains("opencl:1 = pthread"), all);
    assertTrue(r.out().contains("ok opencl:0 run 2") && r.out().contains("ok opencl:1 run 2"), all);
    assertEquals(0, r.exit(), all);
  }
}

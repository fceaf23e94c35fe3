package io.edgewise.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The multi-model soak ({@link ModelSoak}) on opencl: every output of every run equals ref's within tolerance, and
 * no run fails. CI size: 2 repetitions; nightly: {@code scripts/soak.sh} (10, with ResNet-18).
 */
class OpenClSoakTest {
  @Test
  void realModelsInOneProcessMatchRefEveryTime() {
    ClTestDevices.first();
    ModelSoak.Result r = ModelSoak.soak("opencl", ModelSoak.cases(), ModelSoak.repetitions(), System.out::println);
    ModelSoak.report(Path.of("opencl/target/soak-opencl.txt"), "opencl", r);
    System.out.print(r.table());
    assertEquals(0, r.wrong() + r.errors(), String.join("\n", r.failures()));
  }
}

package io.edgewise.backend.fpga;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.backend.opencl.ModelSoak;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The multi-model soak ({@link ModelSoak}) on the emulated fpga device (its convolutions on the image's tiled
 * kernel in PoCL, the rest as on cpu): every output of every run equals ref's within tolerance, and no run fails.
 * CI size: 2 repetitions; nightly: {@code scripts/soak.sh} (10, with ResNet-18).
 */
class FpgaSoakTest {
  @Test
  void realModelsInOneProcessMatchRefEveryTime() {
    FpgaTestImage.build();
    ModelSoak.Result r = ModelSoak.soak("fpga", ModelSoak.cases(), ModelSoak.repetitions(), System.out::println);
    ModelSoak.report(Path.of("fpga/target/soak-fpga.txt"), "fpga", r);
    System.out.print(r.table());
    assertEquals(0, r.wrong() + r.errors(), String.join("\n", r.failures()));
  }
}

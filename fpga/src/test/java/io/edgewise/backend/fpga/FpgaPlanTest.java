package io.edgewise.backend.fpga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The planner rule: never a layer the tiles cannot run; with placement "faster", the analytical model decides. */
class FpgaPlanTest {
  // resolved per test: in a static initialiser a missing ../shared failed the class instead of skipping it
  static Path resnet() {
    return TestData.model("resnet18").resolve("model.onnx");
  }

  @Test
  void resnet18KeepsOnlyItsStemOnCpuAndTheModelCanMoveTheRest() {
    Path resnet = resnet();
    assumeTrue(Files.exists(resnet), "shared test data absent");
    try (FpgaBackend fpga = FpgaTestImage.open(); Model model = OnnxImporter.load(resnet)) {
      Map<String, String> tiles = fpga.plan(model, "tiles", 0);
      assertEquals(1, tiles.size(), tiles.toString());
      assertTrue(tiles.values().iterator().next().contains("kernel 7x7 exceeds the image's KMAX=3"), tiles.toString());
      // a cpu slower than the image's modeled 12.8 GFLOP/s peak: the model keeps every runnable layer on the fpga
      assertEquals(tiles, fpga.plan(model, "faster", 0.001));
      // a cpu far faster than the image: the model sends everything to cpu, saying why
      Map<String, String> faster = fpga.plan(model, "faster", 1e6);
      assertEquals(21, faster.size());
      assertTrue(faster.values().stream().filter(w -> w.startsWith("modeled")).count() == 20, faster.toString());
    }
  }

  @Test
  void anUnknownPlacementIsRefused() {
    System.setProperty("edgewise.fpga.placement", "random");
    try {
      EdgewiseException e = assertThrows(EdgewiseException.class, FpgaBackend::placement);
      assertTrue(e.getMessage().contains("tiles or faster"));
    } finally {
      System.clearProperty("edgewise.fpga.placement");
    }
  }
}

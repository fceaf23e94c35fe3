package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.TestData;
import io.edgewise.backend.fpga.Checksums;
import io.edgewise.backend.opencl.ClPlatforms;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `edgewise bitstream build|explore` and `bench --devices fpga` in-process. */
class BitstreamCommandTest {
  static final String EMU = "bitstreams/tiled-conv-emu/manifest.json";

  @Test
  void xilinxTargetPrintsTheVitisCommandsAndHostSettings(@TempDir Path out) {
    CliTest.Result r = CliTest.run("bitstream", "build", EMU, "--target", "xilinx", "--out", out.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("v++ -c -t hw --platform xilinx_zcu102_base_202320_1 -k ew_tiled_conv -DTM=8"),
        r.out());
    assertTrue(r.out().contains("v++ -l -t hw") && r.out().contains("unset XCL_EMULATION_MODE"), r.out());
    assertEquals(0, out.toFile().list().length, "the vendor target must not pretend to build");
  }

  @Test
  void aTargetOfAnotherVendorIsAUsageError() {
    CliTest.Result r = CliTest.run("bitstream", "build", EMU, "--target", "intel");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("is a xilinx image"), r.err());
    assertEquals(2, CliTest.run("bitstream", "build", EMU, "--target", "asic").exit());
  }

  @Test
  void emuTargetWritesTheBinaryAndItsChecksum(@TempDir Path out) throws Exception {
    assumeTrue(ClPlatforms.devices().stream().anyMatch(d -> d.platformName().contains("Portable")), "no PoCL");
    CliTest.Result r = CliTest.run("bitstream", "build", EMU, "--target", "emu", "--out", out.toString());
    assertEquals(0, r.exit(), r.err());
    Path bin = out.resolve("tiled-conv-emu.xclbin");
    String sha = Checksums.sha256(bin);
    assertEquals(sha + "  tiled-conv-emu.xclbin", Files.readString(out.resolve("tiled-conv-emu.xclbin.sha256"))
        .trim());
    assertTrue(r.out().contains(sha), r.out());
    assertTrue(Files.exists(out.resolve("image.json")) && Files.exists(out.resolve("manifest.json")));
  }

  @Test
  void exploreListsParetoTilesForResnet18OnPynq() {
    Path model = TestData.model("resnet18");
    assumeTrue(Files.isDirectory(model), "shared test data absent");
    CliTest.Result r = CliTest.run("bitstream", "explore", "--board", "bitstreams/boards/pynq-z1.json", "--model",
        model.toString(), "--top", "5");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("Pareto-best tiles for pynq-z1") && r.out().contains("modeled, cycles at 100 MHz"),
        r.out());
    long rows = r.out().lines().filter(l -> l.matches("^[1-5] .*")).count();
    assertEquals(5, rows, r.out());
  }

  @Test
  void benchOnFpgaPrintsModeledAndMeasuredPerLayerAndModel(@TempDir Path out) {
    Path model = TestData.model("digits_cnn_0to9");
    assumeTrue(Files.isDirectory(model), "shared test data absent");
    io.edgewise.backend.fpga.FpgaTestImage.build();
    CliTest.Result r = CliTest.run("bench", model.toString(), "--devices", "fpga", "--threads", "1", "--runs", "20",
        "--warmup", "1", "--warmup-seconds", "0", "--layers");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("FPGA layers: modeled = analytical model, cycles at the image clock; measured = "
        + "emulator kernel time"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.contains("digits_cnn_0to9") && l.contains("modeled")
        && l.contains("cycles at 100 MHz") && l.contains("measured")), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.contains("FPGA layers: modeled") && l.contains("fpga:")), r.out());
  }
}

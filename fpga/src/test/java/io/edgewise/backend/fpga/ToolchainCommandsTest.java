package io.edgewise.backend.fpga;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolchainCommandsTest {
  static final Path ROOT = Path.of("/repo");
  static final Path OUT = Path.of("/repo/build/bitstreams/tiled-conv-emu");

  @Test
  void xilinxCompilesEachKernelThenLinksAtTheManifestClock() {
    BitstreamManifest m = BitstreamManifests.read(BitstreamManifestsTest.EMU);
    ToolchainCommands c = ToolchainCommands.hardware(m, ROOT, OUT);
    assertEquals(List.of(
        "v++ -c -t hw --platform xilinx_zcu102_base_202320_1 -k ew_tiled_conv -DTM=8 -DTN=8 -DTR=8 -DTC=8 -DKMAX=3"
            + " -DSMAX=2 -o /repo/build/bitstreams/tiled-conv-emu/ew_tiled_conv.xo /repo/kernels/tiled_conv.cl",
        "v++ -l -t hw --platform xilinx_zcu102_base_202320_1 --kernel_frequency 100 -o"
            + " /repo/build/bitstreams/tiled-conv-emu/tiled-conv-emu.xclbin"
            + " /repo/build/bitstreams/tiled-conv-emu/ew_tiled_conv.xo",
        "sha256sum /repo/build/bitstreams/tiled-conv-emu/tiled-conv-emu.xclbin"), c.shellLines());
    assertEquals("", c.environment().get("XCL_EMULATION_MODE"));
  }

  @Test
  void intelBuildsOneAocxForTheBoardVariant() {
    BitstreamManifest x = BitstreamManifests.read(BitstreamManifestsTest.EMU);
    BitstreamManifest m = new BitstreamManifest(x.name(), "agilex7-n6001", "ofs_n6001", "intel",
        new BitstreamManifest.Toolchain("intelfpgasdk", "2023.3"), x.kernelSource(), x.kernels(), x.ops(),
        new TileConfig(16, 8, 7, 7, 3, 1), 4, "fp32", 300, x.resources(), 25.6,
        new BitstreamManifest.Binary("tiled.aocx", null), null);
    ToolchainCommands c = ToolchainCommands.hardware(m, ROOT, OUT);
    assertEquals(List.of(
        "aoc -board=ofs_n6001 -DTM=16 -DTN=8 -DTR=7 -DTC=7 -DKMAX=3 -DSMAX=1 -clock=300MHz -report"
            + " /repo/kernels/tiled_conv.cl -o /repo/build/bitstreams/tiled-conv-emu/tiled.aocx",
        "sha256sum /repo/build/bitstreams/tiled-conv-emu/tiled.aocx"), c.shellLines());
    assertEquals("", c.environment().get("CL_CONTEXT_EMULATOR_DEVICE_INTELFPGA"));
  }
}

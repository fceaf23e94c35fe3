package io.edgewise.backend.fpga;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.opencl.ClPlatforms;
import java.nio.file.Path;

/**
 * The emulation image for the fpga tests: built once per test JVM from bitstreams/tiled-conv-emu with
 * `bitstream build --target emu` (EmulationBuild), into fpga/target. Tests are skipped where PoCL is absent.
 */
public final class FpgaTestImage {
  static final Path MANIFEST = Path.of("bitstreams/tiled-conv-emu/manifest.json");
  static final Path DIR = Path.of("fpga/target/fpga-test-image");
  private static volatile boolean built;

  private FpgaTestImage() {}

  /** Enables PoCL emulation, builds the image (once) and returns its directory. */
  public static synchronized Path build() {
    System.setProperty("edgewise.fpga.emulation", "pocl");
    boolean pocl = ClPlatforms.devices().stream().anyMatch(FpgaTargets::isPocl);
    assumeTrue(pocl, "PoCL is not installed: no FPGA emulation here");
    if (!built) {
      EmulationBuild.build(BitstreamManifests.read(MANIFEST), Path.of("").toAbsolutePath(), DIR);
      System.setProperty("edgewise.fpga.image", DIR.toString());
      built = true;
    }
    return DIR;
  }

  /** The emulated fpga device with the test image; the caller closes it. */
  public static FpgaBackend open() {
    build();
    FpgaTargets.Target emu = FpgaTargets.all().stream().filter(FpgaTargets.Target::emulated).findFirst()
        .orElseThrow(() -> new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, "no emulation target"));
    return FpgaBackend.open(emu, DIR);
  }
}

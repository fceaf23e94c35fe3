package io.edgewise.backend.fpga;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.backend.opencl.ClContext;
import io.edgewise.backend.opencl.ClDevice;
import io.edgewise.backend.opencl.ClProgram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * `edgewise bitstream build MANIFEST --target emu`: compiles the manifest's kernel source with its tile macros for
 * the local emulation device (as aoc -march=emulator and v++ -t sw_emu do for their emulators) and writes into the
 * build directory the binary, its sha256 (sha256sum format), the image record and a copy of the manifest. This is
 * the only place kernel source is compiled: the fpga device loads images from binaries only.
 */
public final class EmulationBuild {
  public static final String RECORD = "image.json";
  public static final String MANIFEST = "manifest.json";

  private EmulationBuild() {}

  public record Result(Path binary, String sha256, Path checksumFile, String device) {}

  public static Result build(BitstreamManifest m, Path repoRoot, Path outDir) {
    String emulation = FpgaTargets.emulation();
    ClDevice device = FpgaTargets.emulationDevice(emulation.equals("off") ? "pocl" : emulation);
    Path source = repoRoot.resolve(m.kernelSource());
    String text;
    try {
      text = Files.readString(source, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, "kernel source " + source + " (manifest " + m.name()
          + ", field kernelSource) does not exist");
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, source + ": " + e.getMessage(), e);
    }
    byte[] binary;
    try (ClContext ctx = ClContext.create(device); ClProgram p = ClProgram.fromSource(ctx, text, m.tiles().macros())) {
      for (String kernel : m.kernelNames()) {
        p.kernel(kernel);  // a manifest naming a kernel the source lacks fails the build, not the load
      }
      binary = p.binary();
    }
    try {
      Files.createDirectories(outDir);
      Path bin = outDir.resolve(m.binary().file());
      Files.write(bin, binary);
      String sha = Checksums.sha256(bin);
      Path sum = outDir.resolve(m.binary().file() + ".sha256");
      Files.writeString(sum, sha + "  " + m.binary().file() + "\n");
      ImageRecord record = new ImageRecord(m.name(), m.board(), "emu", device.compilerIdentity(), m.tiles(),
          List.copyOf(m.kernelNames()), m.binary().file(), sha);
      Files.writeString(outDir.resolve(RECORD), BitstreamManifests.toJson(record));
      Files.writeString(outDir.resolve(MANIFEST), BitstreamManifests.toJson(m));
      return new Result(bin, sha, sum, device.platformName() + " " + device.name());
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot write the image into " + outDir + ": " + e.getMessage(), e);
    }
  }
}

package io.edgewise.backend.fpga;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.backend.opencl.ClContext;
import io.edgewise.backend.opencl.ClProgram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Loads an image from its build directory (manifest.json, image.json, the binary and its .sha256) into a device's
 * context, refusing any mismatch before the device sees it: the binary's sha256 against the manifest (vendor
 * builds), the .sha256 file and the record; the manifest's board and tiles against the record's; the board the
 * device is (or emulates) against the image's; the compiler of an emulation binary against the device's; and every
 * kernel the manifest lists against the program. Programs come only from the binary (clCreateProgramWithBinary).
 */
public final class FpgaImage {
  private final BitstreamManifest manifest;
  private final ClProgram program;

  private FpgaImage(BitstreamManifest manifest, ClProgram program) {
    this.manifest = manifest;
    this.program = program;
  }

  public BitstreamManifest manifest() {
    return manifest;
  }

  /** The program, owned by the context it was loaded into. */
  public ClProgram program() {
    return program;
  }

  /**
   * Verifies and loads the image in {@code dir} for {@code target}; the program is adopted by {@code ctx} (released
   * with it).
   */
  public static FpgaImage load(Path dir, FpgaTargets.Target target, ClContext ctx) {
    BitstreamManifest m = BitstreamManifests.read(dir.resolve(EmulationBuild.MANIFEST));
    ImageRecord record = BitstreamManifests.parse(dir.resolve(EmulationBuild.RECORD), ImageRecord.class);
    Path bin = dir.resolve(m.binary().file());
    byte[] bytes = read(bin);
    String actual = Checksums.sha256(bytes);
    String where = "FPGA image " + bin;
    if (m.binary().sha256() != null && !m.binary().sha256().equals(actual)) {
      throw refused(where + " has sha256 " + actual + " but its manifest says " + m.binary().sha256());
    }
    Path sumFile = dir.resolve(m.binary().file() + ".sha256");
    String recorded = Files.exists(sumFile) ? readString(sumFile).trim().split("\\s+")[0] : null;
    if (recorded == null && m.binary().sha256() == null) {
      throw refused(where + " has no checksum: neither binary.sha256 in the manifest nor " + sumFile);
    }
    if (recorded != null && !recorded.equals(actual)) {
      throw refused(where + " has sha256 " + actual + " but " + sumFile.getFileName() + " records " + recorded
          + " (corrupted or tampered; rebuild it)");
    }
    if (!actual.equals(record.sha256())) {
      throw refused(where + " has sha256 " + actual + " but " + EmulationBuild.RECORD + " records " + record.sha256());
    }
    if (!m.board().equals(record.board())) {
      throw refused(where + " was built for board " + record.board() + " but its manifest says " + m.board());
    }
    if (!m.tiles().equals(record.tiles())) {
      throw refused(where + " was built with tiles " + record.tiles() + " but its manifest says " + m.tiles());
    }
    boolean boardMatches = target.emulated() ? target.board().equals(m.board())
        : target.board().contains(m.part()) || target.board().contains(m.board());
    if (!boardMatches) {
      throw refused(where + " is for board " + m.board() + " (" + m.part() + ") but fpga:" + target.index() + " is "
          + (target.emulated() ? "emulating " : "") + target.board());
    }
    if (target.emulated() != "emu".equals(record.target())) {
      throw refused(where + " is a " + record.target() + " build; fpga:" + target.index() + " is "
          + (target.emulated() ? "an emulator" : "hardware"));
    }
    if (target.emulated() && !target.device().compilerIdentity().equals(record.compiler())) {
      throw refused(where + " was compiled by " + record.compiler() + "; this emulator is "
          + target.device().compilerIdentity() + " (rebuild with edgewise bitstream build --target emu)");
    }
    ClProgram program = ctx.adopt("fpga-image:" + m.name(), ClProgram.fromBinary(ctx, bytes, ""));
    for (String kernel : m.kernelNames()) {
      try {
        program.kernel(kernel);
      } catch (EdgewiseException e) {
        throw refused(where + " lacks kernel " + kernel + " that its manifest lists (" + e.getMessage() + ")");
      }
    }
    return new FpgaImage(m, program);
  }

  private static EdgewiseException refused(String why) {
    return EdgewiseException.invalidArgument("refusing to load: " + why);
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, "FPGA image binary " + file + " does not exist (build it: "
          + "edgewise bitstream build MANIFEST --target emu)");
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, file + ": " + e.getMessage(), e);
    }
  }

  private static String readString(Path file) {
    return new String(read(file), java.nio.charset.StandardCharsets.US_ASCII);
  }
}

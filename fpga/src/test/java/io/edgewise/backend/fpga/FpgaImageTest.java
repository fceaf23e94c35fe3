package io.edgewise.backend.fpga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader refuses every mismatch between binary, manifest, build record and device, with a clear error. */
class FpgaImageTest {
  @TempDir
  Path dir;

  static FpgaTargets.Target emulator;

  @BeforeAll
  static void build() {
    FpgaTestImage.build();
    emulator = FpgaTargets.all().stream().filter(FpgaTargets.Target::emulated).findFirst().orElseThrow();
  }

  /** A copy of the test image with one edit applied. */
  private Path copy(Consumer<Path> edit) throws IOException {
    try (Stream<Path> files = Files.list(FpgaTestImage.DIR)) {
      for (Path f : files.toList()) {
        Files.copy(f, dir.resolve(f.getFileName()));
      }
    }
    edit.accept(dir);
    return dir;
  }

  private static void replace(Path file, String from, String to) {
    try {
      String s = Files.readString(file);
      assertTrue(s.contains(from), file + " lacks " + from);
      Files.writeString(file, s.replace(from, to));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void assertRefused(Path image, FpgaTargets.Target target, String... expected) {
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> FpgaBackend.open(target, image).close());
    for (String s : expected) {
      assertTrue(e.getMessage().contains(s), "expected '" + s + "' in: " + e.getMessage());
    }
  }

  @Test
  void theBuiltImageLoads() {
    try (FpgaBackend b = FpgaBackend.open(emulator, FpgaTestImage.DIR)) {
      assertEquals("tiled-conv-emu", b.manifest().name());
      assertEquals(64, b.device().computeUnits());
      assertEquals("modeled", b.device().peakSource());
    }
  }

  @Test
  void aTamperedBinaryIsRefused() throws IOException {
    Path image = copy(d -> {
      try {
        Path bin = d.resolve("tiled-conv-emu.xclbin");
        byte[] bytes = Files.readAllBytes(bin);
        bytes[bytes.length / 2] ^= 1;
        Files.write(bin, bytes);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    assertRefused(image, emulator, "refusing to load", "sha256", "tampered");
  }

  @Test
  void aManifestForAnotherBoardIsRefused() throws IOException {
    Path image = copy(d -> replace(d.resolve("manifest.json"), "\"board\" : \"zcu102\"", "\"board\" : \"pynq-z1\""));
    assertRefused(image, emulator, "built for board zcu102", "pynq-z1");
  }

  @Test
  void aDeviceEmulatingAnotherBoardIsRefused() {
    FpgaTargets.Target other = new FpgaTargets.Target(emulator.index(), emulator.device(), true, "pynq-z1");
    assertRefused(FpgaTestImage.DIR, other, "is for board zcu102", "emulating pynq-z1");
  }

  @Test
  void aMissingKernelIsRefused() throws IOException {
    Path image = copy(d -> replace(d.resolve("manifest.json"), "\"kernels\" : [ {",
        "\"kernels\" : [ {\"name\" : \"ew_pool\", \"signature\" : \"(__global float* x)\"}, {"));
    assertRefused(image, emulator, "lacks kernel ew_pool");
  }

  @Test
  void tilesThatDifferFromTheBuildAreRefused() throws IOException {
    Path image = copy(d -> replace(d.resolve("manifest.json"), "\"tm\" : 8", "\"tm\" : 16"));
    assertRefused(image, emulator, "built with tiles", "Tm=16");
  }

  @Test
  void aBinaryFromAnotherCompilerIsRefused() throws IOException {
    Path image = copy(d -> replace(d.resolve("image.json"), "\"compiler\" : \"", "\"compiler\" : \"other "));
    assertRefused(image, emulator, "was compiled by other");
  }

  @Test
  void aMissingBinaryIsNotFound() throws IOException {
    Path image = copy(d -> d.resolve("tiled-conv-emu.xclbin").toFile().delete());
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> FpgaBackend.open(emulator, image));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("bitstream build"), e.getMessage());
  }
}

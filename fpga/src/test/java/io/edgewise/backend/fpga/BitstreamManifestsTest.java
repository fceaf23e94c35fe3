package io.edgewise.backend.fpga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BitstreamManifestsTest {
  static final Path EMU = Path.of("bitstreams/tiled-conv-emu/manifest.json");
  static final Path EFTRAIN = Path.of("bitstreams/eftrain-zcu102/manifest.json");

  @TempDir
  Path dir;

  @Test
  void committedManifestsAndBoardsParse() {
    BitstreamManifest emu = BitstreamManifests.read(EMU);
    assertEquals("zcu102", emu.board());
    assertEquals(new TileConfig(8, 8, 8, 8, 3, 2), emu.tiles());
    assertEquals(List.of("ew_tiled_conv"), emu.kernelNames());
    BitstreamManifest ef = BitstreamManifests.read(EFTRAIN);
    assertEquals(16, ef.tiles().tm());
    for (String b : List.of("zcu102", "pynq-z1", "agilex7-n6001")) {
      assertEquals(b, BitstreamManifests.readBoard(Path.of("bitstreams/boards/" + b + ".json")).name());
    }
  }

  @Test
  void committedResourcesAreTheModelsFigures() {
    // the manifests say their resources are modeled: keep them equal to what the model computes
    Board zcu102 = BitstreamManifests.readBoard(Path.of("bitstreams/boards/zcu102.json"));
    for (Path p : List.of(EMU, EFTRAIN)) {
      BitstreamManifest m = BitstreamManifests.read(p);
      ResourceModel.Use use = ResourceModel.of(m.tiles(), m.weightBufferBlocks(), zcu102);
      assertEquals(new ResourceModel.Use(m.resources().dsp(), m.resources().bram36(), m.resources().lut()), use,
          p.toString());
    }
  }

  @Test
  void eachBrokenFieldIsNamed() throws Exception {
    String good = Files.readString(EMU);
    assertRefused(good.replace("\"tm\": 8", "\"tm\": 8, \"tmm\": 8"), "tmm");
    assertRefused(good.replace("\"tm\": 8", "\"tmm\": 8"), "tiles.tm");
    assertRefused(good.replace("\"tm\": 8, ", ""), "tm");
    assertRefused(good.replace("\"tm\": 8", "\"tm\": -8"), "tm=-8");
    assertRefused(good.replace("\"vendor\": \"xilinx\"", "\"vendor\": \"acme\""), "vendor");
    assertRefused(good.replace("\"precision\": \"fp32\"", "\"precision\": \"int4\""), "precision");
    assertRefused(good.replace("\"sha256\": null", "\"sha256\": \"abc\""), "binary.sha256");
    assertRefused(good.replace("\"file\": \"tiled-conv-emu.xclbin\"", "\"file\": \"../../etc/passwd\""),
        "binary.file");
    assertRefused(good.replace("\"ops\": [\"Conv\"", "\"ops\": [\"Softmax\""), "ops");
    assertRefused(good.replace("\"clockMhz\": 100", "\"clockMhz\": 0"), "clockMhz");
    assertRefused(good.replace("\"kernels\": [", "\"kernels\": [{\"name\": \"ew_tiled_conv\", \"signature\": \"()\"}, "),
        "listed twice");
    assertRefused("{", "(document)");
  }

  @Test
  void missingFileIsNotFound() {
    EdgewiseException e = assertThrows(EdgewiseException.class,
        () -> BitstreamManifests.read(dir.resolve("nope.json")));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
  }

  @Test
  void sha256MatchesTheStandardVector() throws Exception {
    // FIPS 180-2 example: SHA-256("abc")
    Path f = dir.resolve("abc");
    Files.write(f, "abc".getBytes(StandardCharsets.US_ASCII));
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Checksums.sha256(f));
  }

  private void assertRefused(String json, String expected) throws Exception {
    Path f = dir.resolve("manifest.json");
    Files.writeString(f, json);
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> BitstreamManifests.read(f));
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(f.toString()),
        "message should name the file and '" + expected + "': " + e.getMessage());
  }
}

package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `edgewise ocr`: render a small page, read it as JSON, and the bad inputs (each one line, nothing crashes). */
class OcrCommandTest {
  static final Path MODELS = Path.of("../shared/testdata/ocr");

  @Test
  void renderThenReadAsJsonAndBadImagesAreOneLineEach(@TempDir Path dir) throws IOException {
    assumeTrue(Files.isDirectory(MODELS), "no " + MODELS);
    CliTest.Result made = CliTest.run("ocr", "render", "--out", dir.toString(), "--pages", "1", "--seed", "3",
        "--size", "400x160", "--text-size", "26-32");
    assertEquals(0, made.exit(), made.err());
    JsonNode truth = Json.MAPPER.readTree(dir.resolve("truth.json").toFile());
    List<String> expected = truth.at("/pages/0/lines").findValuesAsText("text");
    Path page = dir.resolve("page-000.png");
    Path empty = Files.write(dir.resolve("empty.png"), new byte[0]);
    Path junk = Files.writeString(dir.resolve("junk.jpg"), "not a jpeg");
    CliTest.Result r = CliTest.run("ocr", page.toString(), empty.toString(), junk.toString(), "--device", "cpu",
        "--json");
    assertEquals(Main.EXIT_FAILURE, r.exit(), r.err());
    JsonNode docs = Json.MAPPER.readTree(r.out());
    assertEquals(3, docs.size());
    assertEquals(page.toString(), docs.get(0).get("image").asText());
    assertEquals(expected, docs.get(0).get("lines").findValuesAsText("text"));
    assertEquals(4, docs.get(0).at("/lines/0/box").size());
    assertTrue(docs.get(0).at("/timing_ms/total").asDouble() > 0);
    assertTrue(docs.get(1).get("error").asText().contains("empty.png"));
    assertTrue(docs.get(2).get("error").asText().contains("junk.jpg"));
    List<String> errors = r.err().lines().filter(l -> l.startsWith("edgewise:")).toList();
    assertEquals(2, errors.size(), r.err());
  }

  @Test
  void aModelsDirectoryMissingAFileIsOneLine(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("ppocr_keys_v1.txt"), "a\n");
    Path img = dir.resolve("x.png");
    Files.write(img, new byte[] {1});
    CliTest.Result r = CliTest.run("ocr", img.toString(), "--models", dir.toString());
    assertEquals(Main.EXIT_FAILURE, r.exit());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().contains("ch_PP-OCRv4_det_infer.onnx"), r.err());
    CliTest.Result none = CliTest.run("ocr");
    assertEquals(Main.EXIT_USAGE, none.exit());
  }
}

package io.edgewise.bench.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group of the digits CNN alone (ratio 0: no fine-tuning, so the test stays quick): its measured accuracy against
 * the model's published 442 of 450, its FLOPs and bytes against sums by hand, the cache, and bad group files.
 */
class VariantGroupTest {
  @TempDir
  Path dir;

  private Path group(String variants) throws IOException {
    String base = TestData.model("digits_cnn_0to9").resolve("model.onnx").toAbsolutePath().toString();
    String data = TestData.root().resolve("digits").toAbsolutePath().toString();
    Path file = dir.resolve("group.json");
    Files.writeString(file, "{\"name\": \"t\", \"base\": \"" + base + "\", \"data\": \"" + data + "\", \"variants\": "
        + variants + "}");
    return file;
  }

  @Test
  void theBaseVariantIsMeasuredAndCached() throws IOException {
    Path file = group("[{\"name\": \"float\", \"prune_ratio\": 0}]");
    List<String> log = new ArrayList<>();
    VariantGroup g = VariantGroup.load(file, dir.resolve("cache"), log::add);
    assertEquals(1, g.variants().size());
    VariantGroup.Variant v = g.variants().get(0);
    assertEquals(442 / 450.0, v.accuracy(), 1e-9, "the model's published test accuracy");
    // conv1 16 x 8x8 x 9 x 2 + conv2 32 x 8x8 x 16*9 x 2 + fc 2 x 10*512
    assertEquals(18_432 + 589_824 + 10_240, v.flops(), 0);
    assertEquals(4 * 9_930, v.bytes(), "9,930 float parameters");
    assertTrue(log.stream().anyMatch(l -> l.contains("building")), "built on first use: " + log);
    VariantGroup.Answers a = g.answerAll("ref", 0).get(0);
    int right = 0;
    for (boolean c : a.correct()) {
      right += c ? 1 : 0;
    }
    assertEquals(442, right, "answers agree with the accuracy measured by training's evaluation");

    log.clear();
    VariantGroup again = VariantGroup.load(file, dir.resolve("cache"), log::add);
    assertEquals(v.accuracy(), again.variants().get(0).accuracy());
    assertEquals(List.of(), log, "the second load comes from the cache");
  }

  @Test
  void badGroupFilesAreRefusedWithAReason() throws IOException {
    Path cache = dir.resolve("cache");
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> VariantGroup.load(
        group("[{\"name\": \"a\", \"prune_ratio\": 0.5}, {\"name\": \"b\", \"prune_ratio\": 0.25}]"), cache, m -> {}));
    assertTrue(e.getMessage().contains("increasing"), e.getMessage());
    assertThrows(EdgewiseException.class, () -> VariantGroup.load(group("[]"), cache, m -> {}));
    assertThrows(EdgewiseException.class, () -> VariantGroup.load(dir.resolve("missing.json"), cache, m -> {}));
    Files.writeString(dir.resolve("nobase.json"), "{\"name\": \"t\", \"base\": \"/no/such/model.onnx\", \"data\": \"/\"}");
    assertThrows(EdgewiseException.class, () -> VariantGroup.load(dir.resolve("nobase.json"), cache, m -> {}));
  }
}

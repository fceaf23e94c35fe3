package io.edgewise.bench.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orientation classifier's group as shipped (examples/groups/ocr-cls): its variants are made by the zoo into the
 * cache on first use (float the base model byte for byte, fp16 and int8 QDQ new files whose graphs hold Cast and
 * QuantizeLinear nodes), their accuracies are orientation accuracies in [0, 1] (the float model's high: it is the
 * classifier the pipeline uses), and a second load builds nothing.
 */
class OcrGroupTest {
  @TempDir
  Path cache;

  @Test
  void theClassifierGroupBuildsItsVariantsOnceIntoTheCache() throws Exception {
    TestData.root();  // skipped without ../shared
    Path file = Path.of("examples/groups/ocr-cls");
    assertTrue(OcrGroup.isOcr(file));
    List<String> log = new ArrayList<>();
    OcrGroup g = OcrGroup.load(file, cache, log::add);
    assertEquals(List.of("float", "fp16", "int8"), g.variants().stream().map(BudgetLoopback.Variant::name).toList());
    assertTrue(g.samples().orientationTask());
    assertEquals(48, g.samples().size(), "24 lines, upright and turned");
    Path base = TestData.root().resolve("ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx");
    assertTrue(Arrays.equals(Files.readAllBytes(base), Files.readAllBytes(g.variants().get(0).model())));
    assertTrue(ops(g.variants().get(1).model()).contains("Cast"), "fp16 casts its inputs");
    assertTrue(ops(g.variants().get(2).model()).contains("QuantizeLinear"), "int8 is QDQ");
    for (BudgetLoopback.Variant v : g.variants()) {
      assertTrue(v.model().startsWith(cache), v.model() + " is in the cache");
      assertTrue(v.accuracy() >= 0 && v.accuracy() <= 1, v.name() + " " + v.accuracy());
    }
    assertTrue(g.variants().get(0).accuracy() >= 0.9, "float reads orientation: " + g.variants().get(0).accuracy());
    assertFalse(log.isEmpty());

    List<String> again = new ArrayList<>();
    OcrGroup g2 = OcrGroup.load(file, cache, again::add);
    assertTrue(again.isEmpty(), "built again: " + again);
    assertEquals(g.variants(), g2.variants());
  }

  private static List<String> ops(Path model) {
    try (Model m = OnnxImporter.load(model)) {
      return m.graph().nodes().stream().map(n -> n.opType()).distinct().toList();
    }
  }
}

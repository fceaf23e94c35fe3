package io.edgewise.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TailorConfigTest {
  @TempDir
  Path dir;

  private Path model() throws Exception {
    Path m = dir.resolve("m.onnx");
    Files.write(m, new byte[] {1});
    return m;
  }

  private String valid() throws Exception {
    return "name: t\n"
        + "models:\n  - name: base\n    file: " + model() + "\n"
        + "data:\n  metric: top1\n  evaluation: {dir: " + dir + "}\n"
        + "targets: [cpu/1, cpu/2, ort]\n"
        + "requests:\n"
        + "  - name: q\n    transforms: [{quantize: {calibration: percentile, percentile: 99.9}}]\n"
        + "  - name: h\n    transforms: [fp16: {}]\n"
        + "  - name: p\n    transforms: [{prune: {ratio: 0.5, epochs: 2}}, {quantize: int8}]\n";
  }

  private Path write(String yaml) throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  private String error(String yaml) throws Exception {
    Path f = write(yaml);
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> TailorConfig.load(f));
    assertTrue(e.getMessage().contains(f.toString()), "names the file: " + e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void readsModelsTargetsAndRecipes() throws Exception {
    TailorConfig c = TailorConfig.load(write(valid()));
    assertEquals("t", c.name());
    assertEquals("base", c.models().get(0).name());
    assertEquals("top1", c.models().get(0).metric());
    assertEquals(List.of(new Target("cpu", 1), new Target("cpu", 2), new Target("ort", 1)), c.targets());
    assertEquals(List.of(new Transform.Quantize("percentile", 99.9, false)), c.requests().get(0).transforms());
    assertEquals(List.of(new Transform.Fp16()), c.requests().get(1).transforms());
    assertEquals(List.of(new Transform.Prune(0.5, 2, 1), new Transform.Quantize("minmax", 99.99, false)),
        c.requests().get(2).transforms());
    assertEquals(Path.of("target/zoo/t"), c.output());
  }

  @Test
  void errorsNameTheField() throws Exception {
    assertTrue(error(valid().replace("metric: top1", "metric: [a]")).contains("field 'data.metric'"));
    assertTrue(error(valid().replace("targets: [cpu/1, cpu/2, ort]", "targets: [cpu/x]"))
        .contains("field 'targets[0]'"));
    assertTrue(error(valid().replace("calibration: percentile", "calibration: median"))
        .contains("field 'requests[0].transforms[0].quantize.calibration'"));
    assertTrue(error(valid().replace("percentile: 99.9", "percentile: 101"))
        .contains("field 'requests[0].transforms[0].quantize.percentile'"));
    assertTrue(error(valid().replace("ratio: 0.5", "ratio: 2"))
        .contains("field 'requests[2].transforms[0].prune.ratio'"));
    assertTrue(error(valid().replace("ratio: 0.5", "ratio: 0.5, warm_epochs: 3"))
        .contains("field 'requests[2].transforms[0].prune.warm_epochs': 3 is more than epochs (2)"));
    assertTrue(error(valid().replace("name: q", "name: float")).contains("field 'requests[0].name'"));
    assertTrue(error(valid().replace("fp16: {}", "int4: {}")).contains("field 'requests[1].transforms[0].int4'"));
    assertTrue(error(valid().replace("name: t\n", "name: t\ntargest: [cpu]\n")).contains("field 'targest'"));
    assertTrue(error(valid().replace("file: " + dir.resolve("m.onnx"), "file: /no/such.onnx"))
        .contains("field 'models[0].file'"));
    assertTrue(error(valid().replace("  - name: q\n", "  - name: h\n")).contains("field 'requests[1].name'"));
    assertTrue(error(valid().replace("requests:\n", "requests:\n  - name: e\n    transforms: []\n"))
        .contains("field 'requests[0].transforms'"));
    assertTrue(error(valid().replace("data:\n  metric: top1\n", "data:\n")).contains("field 'data.metric': is "
        + "required"));
  }

  @Test
  void badYamlSaysWhereInOneLine() throws Exception {
    assertTrue(error("models: [\n  - a: b\n").contains("not valid YAML"));
    assertTrue(error("- a\n- b\n").contains("a YAML mapping"));
  }
}

package io.edgewise.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.zoo.index.ModelIndex;
import io.edgewise.zoo.index.VariantRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole tailoring run on the digits CNN: variants built, measured, indexed; shared steps run once. */
class TailorTest {
  static final Path MODEL = Path.of("../shared/testdata/models/digits_cnn_0to9/model.onnx");

  @TempDir
  Path dir;

  static String config(Path out, String requests) {
    return "name: digits\n"
        + "models:\n  - name: digits_cnn_0to9\n    file: " + MODEL + "\n"
        + "data:\n  metric: top1\n"
        + "  calibration: {dir: ../shared/testdata/digits, split: ../shared/testdata/digits/split_seed0.json, "
        + "subset: train, rows: 100}\n"
        + "  evaluation: {dir: ../shared/testdata/digits, split: ../shared/testdata/digits/split_seed0.json, "
        + "subset: test}\n"
        + "targets: [cpu/1]\n"
        + "profile: {warmup: 1, runs: 3}\n"
        + "output: " + out + "\n"
        + "requests:\n" + requests;
  }

  static final String REQUESTS = ""
      + "  - {name: int8, transforms: [{quantize: {calibration: minmax}}]}\n"
      + "  - {name: int8-again, transforms: [{quantize: {calibration: minmax}}]}\n"
      + "  - {name: int8-p99, transforms: [{quantize: {calibration: percentile, percentile: 99.0}}]}\n"
      + "  - {name: fp16, transforms: [fp16: {}]}\n"
      + "  - {name: pruned, transforms: [{prune: 0.5}, {quantize: int8}]}\n"
      + "  - {name: pruned-only, transforms: [{prune: {ratio: 0.5, epochs: 1}}]}\n";

  @Test
  void mergedRunSharesStepsAndIndexesEveryVariant() throws Exception {
    assumeTrue(Files.isRegularFile(MODEL), "needs ../shared/testdata");
    Path cfg = dir.resolve("digits.yaml");
    Files.writeString(cfg, config(dir.resolve("out"), REQUESTS));
    TailorConfig c = TailorConfig.load(cfg);
    List<String> progress = new ArrayList<>();
    TailorReport r;
    try (ModelIndex index = ModelIndex.open(dir.resolve("index"))) {
      r = new Tailor(c, progress::add).run(index, true);
    }
    Map<String, TailorReport.Variant> v = r.variants().stream()
        .collect(Collectors.toMap(TailorReport.Variant::name, x -> x));
    assertEquals(7, v.size());
    assertTrue(v.get("float").accuracy() > 0.97, "float " + v.get("float").accuracy());
    assertTrue(Math.abs(v.get("int8").accuracy() - v.get("float").accuracy()) <= 0.01, "int8 within 1 point");
    assertEquals(v.get("int8").sha256(), v.get("int8-again").sha256());
    assertTrue(v.get("int8").bytes() < v.get("float").bytes() / 2, v.get("int8").bytes() + " bytes");
    assertTrue(v.get("pruned").skipped().contains("int8 after another transform"), v.get("pruned").skipped());
    // the train module's pruner: half the channels, so a smaller file, fine-tuned for one epoch
    assertTrue(v.get("pruned-only").bytes() < v.get("float").bytes() * 0.7, v.get("pruned-only").bytes() + " bytes");
    assertTrue(v.get("fp16").latencyMs().get("cpu/1") > 0);
    // one calibration pass for int8, int8-p99 and (the same recipe) int8-again; pruned never got that far
    int separateFrom = progress.indexOf(progress.stream().filter(p -> p.startsWith("separate:")).findFirst()
        .orElseThrow());
    assertEquals(1, progress.subList(0, separateFrom).stream().filter(p -> p.startsWith("calibrating")).count(),
        progress.toString());
    assertTrue(r.shared().stream().anyMatch(s -> s.contains("int8-again: the same recipe as int8")), r.shared()
        .toString());
    assertTrue(r.separateSeconds() > 0 && r.mergedSeconds() > 0);
    // the separate run calibrated again for every quantizing request (3 of them; pruned is skipped before)
    assertEquals(1 + 3, progress.stream().filter(p -> p.startsWith("calibrating")).count(), progress.toString());
    try (ModelIndex index = ModelIndex.open(dir.resolve("index"))) {
      List<String> names = index.list("digits_cnn_0to9").stream().map(VariantRecord::variant).toList();
      // int8-again has int8's content hash: the index keeps the first name for it (same file, refused twice)
      assertEquals(List.of("float", "fp16", "int8", "int8-p99", "pruned-only"), names);
      VariantRecord q = index.get("digits_cnn_0to9", "int8");
      assertEquals(Tailor.sha256(Path.of(q.file())), q.sha256());
      assertEquals(List.of("int8(minmax)"), q.transforms());
      assertNull(index.get("digits_cnn_0to9", "pruned"));
    }
  }
}

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

  /**
   * Eight requests over one base model: three int8 on the float model (two the same recipe), fp16, and a pruning grid
   * (0.25 alone, 0.5 alone and then int8, 0.75 only then int8) whose steps the merged run shares.
   */
  static final String REQUESTS = ""
      + "  - {name: int8, transforms: [{quantize: {calibration: minmax}}]}\n"
      + "  - {name: int8-again, transforms: [{quantize: {calibration: minmax}}]}\n"
      + "  - {name: int8-p99, transforms: [{quantize: {calibration: percentile, percentile: 99.0}}]}\n"
      + "  - {name: fp16, transforms: [fp16: {}]}\n"
      + "  - {name: p50-int8, transforms: [{prune: {ratio: 0.5, epochs: 2}}, {quantize: int8}]}\n"
      + "  - {name: p75-int8, transforms: [{prune: {ratio: 0.75, epochs: 2}}, {quantize: int8}]}\n"
      + "  - {name: p25, transforms: [{prune: {ratio: 0.25, epochs: 2}}]}\n"
      + "  - {name: p50, transforms: [{prune: {ratio: 0.5, epochs: 2}}]}\n";

  @Test
  void mergedRunComputesEachSharedStepOnceAndIndexesEveryVariant() throws Exception {
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
    assertEquals(9, v.size());
    v.values().forEach(x -> assertNull(x.skipped(), x.name() + ": " + x.skipped()));
    assertTrue(v.get("float").accuracy() > 0.97, "float " + v.get("float").accuracy());
    assertTrue(Math.abs(v.get("int8").accuracy() - v.get("float").accuracy()) <= 0.01, "int8 within 1 point");
    assertEquals(v.get("int8").sha256(), v.get("int8-again").sha256());
    assertTrue(v.get("int8").bytes() < v.get("float").bytes() / 2, v.get("int8").bytes() + " bytes");
    // the train module's pruner: fewer channels, so smaller files; quantizing the pruned model shrinks it again
    assertTrue(v.get("p50").bytes() < v.get("float").bytes() * 0.7, v.get("p50").bytes() + " bytes");
    assertTrue(v.get("p75-int8").bytes() < v.get("p50-int8").bytes(), "0.75 keeps fewer channels than 0.5");
    assertTrue(v.get("p50-int8").bytes() < v.get("p50").bytes() * 0.6, v.get("p50-int8").bytes() + " bytes");
    assertTrue(v.get("fp16").latencyMs().get("cpu/1") > 0);

    // the structural proof of sharing: how many times each step ran, counted where it runs (never timed)
    Map<String, Integer> merged = r.mergedSteps();
    Map<String, Integer> separate = r.separateSteps();
    assertEquals(1, merged.get("ranking"), "one channel ranking for the three ratios: " + merged);
    assertEquals(4, separate.get("ranking"), "each pruning request ranks alone: " + separate);
    assertEquals(3, merged.get("pruning"), "p50-int8 reuses p50's pruned model: " + merged);
    assertEquals(4, separate.get("pruning"), separate.toString());
    // 0.25 from the pruned weights (2 epochs), 0.5 warm-started from 0.25 and 0.75 from 0.5 (1 epoch each)
    assertEquals(3, merged.get("fine_tuning"), merged.toString());
    assertEquals(2 + 1 + 1, merged.get("fine_tuning_epochs"), merged.toString());
    assertEquals(4, separate.get("fine_tuning"), separate.toString());
    assertEquals(4 * 2, separate.get("fine_tuning_epochs"), separate.toString());
    // one calibration pass per distinct model quantized: the float model, the 0.5 and the 0.75 pruned models
    assertEquals(3, merged.get("calibration"), merged.toString());
    assertEquals(5, separate.get("calibration"), "each quantizing request calibrates alone: " + separate);
    // int8 and int8-again are one recipe: built once
    assertEquals(4, merged.get("quantization"), merged.toString());
    assertEquals(5, separate.get("quantization"), separate.toString());
    // float and the 7 distinct variant files, each evaluated once and profiled once on the one target; one by one,
    // every request measures the float model it is compared with and its own variant
    assertEquals(8, merged.get("evaluation"), merged.toString());
    assertEquals(8, merged.get("profiling"), merged.toString());
    assertEquals(16, separate.get("evaluation"), separate.toString());
    assertEquals(16, separate.get("profiling"), separate.toString());
    assertTrue(r.shared().stream().anyMatch(s -> s.startsWith("prune(0.75)") && s.contains("warm-started from "
        + "prune(0.50)")), r.shared().toString());
    assertTrue(r.shared().stream().anyMatch(s -> s.startsWith("the calibration pass over digits_cnn_0to9:")
        && s.contains("[int8, int8-again, int8-p99]")), r.shared().toString());

    // model files parsed by the build steps: merged, the float model once for the ranking and every ratio, once per
    // distinct model calibrated (the quantizer's plan and the pass share it: float, p50, p75) and once per distinct
    // build (int8, int8-p99, p50-int8, p75-int8, fp16); one by one, each request parses what it needs itself
    assertEquals(1 + 3 + 4 + 1, merged.get("import"), merged.toString());
    assertEquals(2 + 2 + 2 + 1 + 3 + 3 + 1 + 1, separate.get("import"), separate.toString());

    // run alone, every request that shares nothing warm-started gets the very same file (byte for byte) and so the
    // same accuracy: the merged run's sharing changes no result but the warm starts (p50 from p25, p75 from p50, and
    // so p50-int8 and p75-int8), which the report names
    for (String name : List.of("int8", "int8-again", "int8-p99", "fp16", "p25")) {
      Path alone = dir.resolve("out/.separate/digits_cnn_0to9/" + name + "/digits_cnn_0to9/" + name + ".onnx");
      assertEquals(v.get(name).sha256(), Tailor.sha256(alone), name + " alone is the same file");
      assertEquals(v.get(name).accuracy(), v.get(name).separateAccuracy(), name + " alone has the same accuracy");
    }
    for (String name : List.of("p50", "p75-int8")) {
      assertTrue(r.shared().stream().anyMatch(s -> s.contains("warm-started from")
          && s.startsWith("prune(0." + name.substring(1, 3) + ")")), name + " is named warm-started: " + r.shared());
    }
    assertTrue(r.separateSeconds() > 0 && r.mergedSeconds() > 0);
    try (ModelIndex index = ModelIndex.open(dir.resolve("index"))) {
      List<String> names = index.list("digits_cnn_0to9").stream().map(VariantRecord::variant).toList();
      // int8-again has int8's content hash: the index keeps the first name for it (same file, put once)
      assertEquals(List.of("float", "fp16", "int8", "int8-p99", "p25", "p50", "p50-int8", "p75-int8"), names);
      VariantRecord q = index.get("digits_cnn_0to9", "int8");
      assertEquals(Tailor.sha256(Path.of(q.file())), q.sha256());
      assertEquals(List.of("int8(minmax)"), q.transforms());
      assertEquals(List.of("prune(0.75)", "int8(minmax)"), index.get("digits_cnn_0to9", "p75-int8").transforms());
      assertNull(index.get("digits_cnn_0to9", "int8-again"));
    }
  }
}

package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `edgewise zoo tailor|list|query|profile` in-process on the digits CNN. */
class ZooCliTest {
  static final Path MODEL = Path.of("../shared/testdata/models/digits_cnn_0to9/model.onnx");

  @TempDir
  Path dir;

  private Path config() throws Exception {
    Path cfg = dir.resolve("digits.yaml");
    Files.writeString(cfg, "name: digits\n"
        + "models:\n  - name: digits\n    file: " + MODEL + "\n"
        + "data:\n  metric: top1\n"
        + "  calibration: {dir: ../shared/testdata/digits, split: ../shared/testdata/digits/split_seed0.json, "
        + "subset: train, rows: 64}\n"
        + "  evaluation: {dir: ../shared/testdata/digits, split: ../shared/testdata/digits/split_seed0.json, "
        + "subset: test, rows: 200}\n"
        + "targets: [cpu/1, ort/1]\n"
        + "profile: {warmup: 1, runs: 3}\n"
        + "output: " + dir.resolve("out") + "\n"
        + "requests:\n"
        + "  - {name: int8, transforms: [{quantize: {calibration: minmax}}]}\n"
        + "  - {name: fp16, transforms: [fp16: {}]}\n");
    return cfg;
  }

  @Test
  void tailorThenListQueryAndProfile() throws Exception {
    assumeTrue(Files.isRegularFile(MODEL), "needs ../shared/testdata");
    Path index = dir.resolve("index");
    CliTest.Result r = CliTest.run("zoo", "tailor", config().toString(), "--index", index.toString(), "--json",
        "--rounds", "2");
    assertEquals(0, r.exit(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(3, j.get("variants").size());
    JsonNode int8 = j.get("variants").get(1);
    assertEquals("int8", int8.get("name").asText());
    assertEquals("digits", int8.get("base").asText());
    assertEquals("int8(minmax)", int8.get("transforms").get(0).asText());
    assertEquals("top1", int8.get("metric").asText());
    assertTrue(int8.get("latency_ms").get("cpu/1").asDouble() > 0);
    assertTrue(int8.get("latency_ms").get("ort/1").asDouble() > 0);
    assertTrue(j.get("merged_seconds").asDouble() > 0 && j.get("separate_seconds").asDouble() > 0);
    // two rounds, ABBA: merged first, then one by one first
    assertEquals("merged", j.get("rounds").get(0).get("first").asText());
    assertEquals("separate", j.get("rounds").get(1).get("first").asText());
    // merged: float, int8 and fp16 evaluated once each; one by one: each request also evaluates the float model
    assertEquals(3, j.get("steps").get("merged").get("evaluation").asInt());
    assertEquals(4, j.get("steps").get("separate").get("evaluation").asInt());
    assertEquals(1, j.get("steps").get("separate").get("calibration").asInt());

    r = CliTest.run("zoo", "list", "--index", index.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("3 variants"), r.out());

    r = CliTest.run("zoo", "query", "--index", index.toString(), "--model", "digits", "--device", "cpu",
        "--min-accuracy", "0.9", "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode q = new ObjectMapper().readTree(r.out());
    assertTrue(q.get("pareto").size() >= 1);
    assertEquals("cpu/1", q.get("recommended").get("target").asText());

    // nothing is this small: the answer says which constraint excluded what
    r = CliTest.run("zoo", "query", "--index", index.toString(), "--model", "digits", "--max-bytes", "10");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("no variant of digits meets the constraints"), r.out());
    assertTrue(r.out().contains("excluded: max bytes 10 excluded float on cpu/1"), r.out());

    r = CliTest.run("zoo", "profile", "--index", index.toString(), "--targets", "cpu/2", "--runs", "2");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("digits/int8: cpu/2"), r.out());
    r = CliTest.run("zoo", "list", "--index", index.toString(), "--json");
    assertTrue(new ObjectMapper().readTree(r.out()).get("variants").get(0).get("latency").has("cpu/2"), r.out());
  }

  @Test
  void configAndIndexErrorsAreOneLine() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "models: []\n");
    CliTest.Result r = CliTest.run("zoo", "tailor", bad.toString());
    assertEquals(Main.EXIT_FAILURE, r.exit());
    assertTrue(r.err().contains(bad + ": field 'models'"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    r = CliTest.run("zoo", "list", "--index", dir.toString());
    assertEquals(Main.EXIT_USAGE, r.exit());
    assertTrue(r.err().contains("no model index"), r.err());
  }
}

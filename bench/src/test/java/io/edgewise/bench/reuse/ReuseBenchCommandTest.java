package io.edgewise.bench.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.TestData;
import io.edgewise.cli.CliTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `edgewise reuse bench`, which this module adds to the CLI. */
class ReuseBenchCommandTest {
  @TempDir
  Path dir;

  /** A small bench run: the JSON holds the figures the issue names, and the plot is written. */
  @Test
  void benchWritesJsonFiguresAndAPlot() throws Exception {
    Path digits = TestData.root().resolve("digits");
    Path plot = dir.resolve("plot.png");
    CliTest.Result r = CliTest.run("reuse", "bench", "--store", dir.resolve("stores").toString(), "--data",
        digits.toString(), "--model", TestData.model("digits_cnn_0to9").resolve("model.onnx").toString(), "--device",
        "ref", "--frames", "300", "--sweep", "0.8,0.95", "--sizes", "2000", "--queries", "50", "--plot",
        plot.toString(), "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    for (String key : new String[] {"reuse_rate", "accuracy", "baseline_accuracy", "lookup_p50_ms",
        "lookup_p99_ms"}) {
      assertTrue(j.has(key) && j.get(key).isNumber(), key + " in " + r.out());
    }
    double reuse = j.get("reuse_rate").asDouble();
    assertTrue(reuse > 0.2 && reuse < 1, "a bursty stream is reused: " + reuse);
    // the reuse decisions keep accuracy near the no-reuse baseline (the 95% target is on agreement with the model)
    assertTrue(j.get("accuracy").asDouble() >= j.get("baseline_accuracy").asDouble() - 0.05, r.out());
    assertEquals(2000, j.get("scale_synthetic").get(0).get("entries").asInt());
    assertTrue(Files.size(plot) > 1000);
  }

  /** The OCR workload: one row per configuration with the figures the issue names, scored against the truth. */
  @Test
  void ocrWorkloadGivesARowPerConfiguration() throws Exception {
    Path models = Path.of("../shared/testdata/ocr");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(models), "no " + models);
    CliTest.Result r = CliTest.run("reuse", "bench", "--workload", "ocr", "--models", models.toString(), "--store",
        dir.resolve("ocr").toString(), "--frames", "3", "--warmup-frames", "2", "--configs", "none,line", "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode rows = new ObjectMapper().readTree(r.out()).get("rows");
    assertEquals(2, rows.size(), r.out());
    assertEquals("none", rows.get(0).get("config").asText());
    assertEquals("line", rows.get(1).get("config").asText());
    for (JsonNode row : rows) {
      assertEquals("in-process", row.get("path").asText());
      assertEquals(3, row.get("frames").asInt());
      // rendered pages read almost exactly (the OCR evaluation's CER is well under 1%)
      assertTrue(row.get("cer").asDouble() < 0.05, row.toString());
      assertTrue(row.get("median_ms").asDouble() > 0 && row.get("measured").asText().startsWith("measured"));
    }
    assertEquals(0.0, rows.get(0).get("reuse_rate").asDouble());
  }

  /** The same stream through a loopback server: rows with path "serve", read as well as in-process. */
  @Test
  void ocrWorkloadThroughServeGivesServeRows() throws Exception {
    Path models = Path.of("../shared/testdata/ocr");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(models), "no " + models);
    CliTest.Result r = CliTest.run("reuse", "bench", "--workload", "ocr", "--models", models.toString(), "--store",
        dir.resolve("ocr-serve").toString(), "--frames", "2", "--warmup-frames", "1", "--configs", "none,frame",
        "--paths", "serve", "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode rows = new ObjectMapper().readTree(r.out()).get("rows");
    assertEquals(2, rows.size(), r.out());
    for (JsonNode row : rows) {
      assertEquals("serve", row.get("path").asText());
      assertEquals(2, row.get("frames").asInt());
      assertTrue(row.get("cer").asDouble() < 0.05, row.toString());
      assertTrue(row.get("median_ms").asDouble() > 0 && row.get("measured").asText().contains("HTTP"));
    }
    assertEquals(2, CliTest.run("reuse", "bench", "--workload", "ocr", "--paths", "grpc").exit());
  }

  @Test
  void anUnknownWorkloadIsAUsageError() {
    CliTest.Result r = CliTest.run("reuse", "bench", "--workload", "speech");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("--workload 'speech'"), r.err());
  }
}

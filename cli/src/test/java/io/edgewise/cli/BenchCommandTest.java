package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgewise.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `edgewise bench --devices cpu,ort --json`: one row per device and thread count, with the fields the issue names. */
class BenchCommandTest {
  @Test
  void jsonHasARowPerDeviceAndThreadCount(@TempDir Path out) throws Exception {
    Path model = TestData.model("digits_cnn_0to9");
    assumeTrue(Files.isDirectory(model), "shared test data absent");
    Path json = out.resolve("bench.json");
    CliTest.Result r = CliTest.run("bench", model.toString(), "--devices", "cpu,ort", "--threads", "1,2", "--runs",
        "20", "--warmup", "1", "--warmup-seconds", "0", "--json", json.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("alternating blocks"), r.out());
    // progress: one plain line per model and thread count on stderr (no terminal here), none on stdout
    assertTrue(r.err().contains("bench: digits_cnn_0to9 at 1 thread on cpu, ort (1/2)")
        && r.err().contains("bench: digits_cnn_0to9 at 2 threads on cpu, ort (2/2)"), r.err());
    assertTrue(!r.out().contains("bench: "), r.out());
    JsonNode rows = Json.MAPPER.readTree(json.toFile()).get("rows");
    assertEquals(4, rows.size(), rows.toString());
    Set<String> seen = new HashSet<>();
    for (JsonNode row : rows) {
      assertEquals("digits_cnn_0to9", row.get("model").asText());
      assertEquals(20, row.get("runs").asInt());
      double median = row.get("median_ms").asDouble();
      assertTrue(median > 0 && row.get("p90_ms").asDouble() >= median, row.toString());
      seen.add(row.get("device").asText() + "/" + row.get("threads").asInt());
    }
    assertEquals(Set.of("cpu/1", "ort/1", "cpu/2", "ort/2"), seen);
  }
}

package io.edgewise.bench.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.cli.CliTest;
import io.edgewise.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A minimal pipeline-bench run (one small page on one link): every policy and placement reported, the oracle no
 * slower than any placement of the same job, every placement reading the same text (fp32 on the wire), and bytes
 * moved only when a stage ran on the peer.
 */
class PipelineBenchCommandTest {
  @Test
  void aSmallRunReportsEveryPolicyWithTheOracleAtTheMinimum() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("../shared/testdata/ocr")), "no OCR models");
    CliTest.Result r = CliTest.run("pipeline-bench", "ocr", "--link", "campus", "--jobs", "1", "--warmup-jobs", "0",
        "--page", "384x128", "--send-encoding", "fp32", "--receive-encoding", "fp32", "--json");
    assertEquals(0, r.exit(), r.err() + r.out());
    JsonNode rows = new ObjectMapper().readTree(r.out()).get("rows");
    Map<String, JsonNode> byPolicy = new HashMap<>();
    rows.forEach(row -> byPolicy.put(row.get("policy").asText(), row));
    // the 8 fixed placements (device-only, 6 mixed, peer-only), the decentralised rule and the oracle
    assertEquals(10, byPolicy.size(), r.out());
    double oracle = byPolicy.get("oracle").get("mean_ms").asDouble();
    for (JsonNode row : rows) {
      assertEquals("campus", row.get("link").asText());
      assertEquals(0, row.get("text_differs").asInt(), row.toString());
      String policy = row.get("policy").asText();
      if (!policy.equals("decentralised") && !policy.equals("oracle")) {
        assertTrue(oracle <= row.get("mean_ms").asDouble(), row.toString());
      }
    }
    assertEquals(0, byPolicy.get("device-only").get("bytes").asDouble());
    assertTrue(byPolicy.get("peer-only").get("bytes").asDouble() > byPolicy.get("peer:RECOGNIZER").get("bytes")
        .asDouble());
  }

  @Test
  void anUnknownJobOrLinkIsAUsageError() {
    assertEquals(Main.EXIT_USAGE, CliTest.run("pipeline-bench", "nope").exit());
    assertEquals(Main.EXIT_USAGE, CliTest.run("pipeline-bench", "ocr", "--link", "moon").exit());
  }
}

package io.edgewise.bench.cosched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.TestData;
import io.edgewise.cli.CliTest;
import io.edgewise.cli.Main;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A short cosched-bench run through the command line (the digits CNN, two 1-thread cpu groups, about 10 s). */
class CoschedBenchCommandTest {
  private static final String DIGITS = TestData.model("digits_cnn_0to9").toString();

  @Test
  void shortRunReportsEveryPolicyAsMeasuredJsonRows() throws IOException {
    CliTest.Result r = CliTest.run("cosched-bench", "digits=" + DIGITS, "--rates", "60", "--seconds", "1",
        "--warmup", "0.5", "--sweep-seconds", "0.2", "--groups", "cpu/1,cpu/1", "--profile-runs", "2", "--rounds", "2",
        "--json");
    assertEquals(0, r.exit(), r.err() + r.out());
    JsonNode root = new ObjectMapper().readTree(r.out());
    JsonNode rows = root.get("rows");
    assertEquals(2, root.get("rounds").asInt());
    List<String> policies = new ArrayList<>();
    for (JsonNode row : rows) {
      policies.add(row.get("policy").asText());
      assertEquals("measured", row.get("figure").asText());
      assertEquals("custom", row.get("mix").asText());
      int arrived = row.get("arrived").asInt();
      // 60 requests/s for 1 s: no arrival at all has probability e^-60
      assertTrue(arrived > 0, row.toString());
      assertEquals(arrived, row.get("finished").asInt() + row.get("dropped").asInt() + row.get("failed").asInt(),
          "every request arriving in the window finished, failed or was dropped: " + row);
      assertEquals(0, row.get("failed").asInt(), row.toString());
      assertTrue(row.get("p50_ms").asDouble() > 0 && row.get("p50_ms").asDouble() <= row.get("p99_ms").asDouble(),
          row.toString());
      double miss = row.get("slo_miss_rate").asDouble();
      assertTrue(miss >= 0 && miss <= 1, row.toString());
      assertTrue(row.get("throughput_rps").asDouble() > 0, row.toString());
      int placed = 0;
      for (JsonNode count : row.get("placements").get("digits")) {
        placed += count.asInt();
      }
      assertEquals(arrived, placed, row.toString());
    }
    assertEquals(8, policies.size(), policies.toString());
    assertEquals("cpu FIFO", policies.get(0));
    assertEquals(List.of("round robin", "random", "least loaded", "earliest finish"), policies.subList(1, 5));
    assertTrue(policies.get(5).startsWith("best fixed {digits->cpu/1#0}"), policies.get(5));
    // the learned placement last: the verdict compares it with every row before it
    assertEquals(List.of("learned (LinUCB)", "learned placement"), policies.subList(6, 8));
    // the FIFO baseline runs everything on its device; the best fixed placement on the group it names
    assertEquals(List.of("cpu"), names(rows.get(0).get("placements").get("digits")));
    assertEquals(List.of("cpu/1#0"), names(rows.get(5).get("placements").get("digits")));
    assertTrue(root.get("mixes").get(0).get("notes").toString().contains("learned placement: homes {digits->"),
        root.get("mixes").get(0).get("notes").toString());
    JsonNode mix = root.get("mixes").get(0);
    // one model on two interchangeable groups: one placement to sweep
    assertEquals(1, mix.get("placements_swept").asInt());
    assertEquals(List.of("cpu/1#0", "cpu/1#1"), names(mix.get("groups")));
    assertEquals(60.0, mix.get("rates_rps").get(0).asDouble());
    assertEquals(5 * mix.get("fifo_solo_ms").get(0).asDouble(), mix.get("slo_ms").get(0).asDouble(), 1e-9);
  }

  private static List<String> names(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(n -> out.add(n.asText()));
    } else {
      node.fieldNames().forEachRemaining(out::add);
    }
    return out;
  }

  @Test
  void textOutputNamesThePoliciesAndTheVerdict() {
    CliTest.Result r = CliTest.run("cosched-bench", DIGITS, "--rates", "40", "--seconds", "0.5", "--warmup", "0",
        "--sweep-seconds", "0.1", "--groups", "cpu/1", "--profile-runs", "1");
    assertEquals(0, r.exit(), r.err() + r.out());
    for (String s : new String[] {"cpu FIFO", "round robin", "earliest finish", "best fixed", "learned (LinUCB)",
        "learned placement", "random", "least loaded", "measured", "SLO = 5.0 x the solo time on cpu", "learned "}) {
      assertTrue(r.out().contains(s), s + " missing:\n" + r.out());
    }
  }

  @Test
  void nonsenseOptionsAreUsageErrors() {
    assertEquals(Main.EXIT_USAGE, CliTest.run("cosched-bench", DIGITS, "--rates", "1,2").exit());
    assertEquals(Main.EXIT_USAGE, CliTest.run("cosched-bench", DIGITS, "--groups", "cpu/1,cpu/2").exit());
    assertEquals(Main.EXIT_USAGE, CliTest.run("cosched-bench", "--mixes", "nope").exit());
    assertEquals(Main.EXIT_USAGE, CliTest.run("cosched-bench", DIGITS, "--seconds", "0").exit());
    assertEquals(Main.EXIT_USAGE, CliTest.run("cosched-bench", "--rates", "3").exit());
  }
}

package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgewise.TestData;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** `edgewise plan`: the plan as text and as the JSON the issue specifies; a device missing here is noted. */
class PlanCommandTest {
  @Test
  void jsonListsEveryNodeOnADeviceAndEveryRegionPredictedAndMeasured() throws IOException {
    String model = TestData.model("digits_cnn_0to9").toString();
    CliTest.Result r = CliTest.run("plan", model, "--devices", "cpu,nosuch", "--runs", "3", "--warmup", "1",
        "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode doc = Json.MAPPER.readTree(r.out());
    Set<String> devices = new HashSet<>();
    for (JsonNode n : doc.get("nodes")) {
      assertTrue(n.get("name").isTextual() && n.get("op").isTextual(), n.toString());
      devices.add(n.get("device").asText());
    }
    assertTrue(doc.get("nodes").size() >= 5, doc.toString());  // Conv, Conv, MaxPool, Flatten, Gemm at least
    assertEquals(Set.of("cpu"), devices);
    assertEquals(1, doc.get("regions").size());
    JsonNode region = doc.get("regions").get(0);
    assertEquals("cpu", region.get("device").asText());
    assertTrue(region.get("predicted_ms").asDouble() > 0 && region.get("measured_ms").asDouble() > 0, doc.toString());
    assertTrue(doc.get("notes").get(0).asText().startsWith("nosuch is missing or failed to open"), doc.toString());

    CliTest.Result text = CliTest.run("plan", model, "--devices", "cpu", "--runs", "3", "--warmup", "1");
    assertEquals(0, text.exit(), text.err());
    assertTrue(text.out().contains("predicted ms") && text.out().contains("measured ms"), text.out());
  }
}

package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.reuse.Namespace;
import io.edgewise.reuse.ReuseStore;
import io.edgewise.reuse.ReuseStoreOptions;
import io.edgewise.reuse.StoredResult;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReuseCliTest {
  @TempDir
  Path dir;

  @Test
  void statsAndClearReadTheStore() throws Exception {
    Path store = dir.resolve("store");
    try (ReuseStore s = ReuseStore.open(store, ReuseStoreOptions.defaults())) {
      Namespace ns = s.namespace("abc123", "input", new float[] {1, 2, 3});
      s.insert(ns, new float[] {1, 2, 3}, StoredResult.label(4, 0.8f), 1_000_000, "local");
      s.insert(ns, new float[] {1, 2, 4}, StoredResult.label(4, 0.8f), 1_000_000, "local");
    }
    CliTest.Result r = CliTest.run("reuse", "stats", "--store", store.toString(), "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(2, j.get("entries").asInt());
    assertEquals("input", j.get("namespaces").get(0).get("tap").asText());
    r = CliTest.run("reuse", "clear", "--store", store.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("cleared 2 entries"), r.out());
    r = CliTest.run("reuse", "stats", "--store", store.toString());
    assertTrue(r.out().contains(": 0 entries"), r.out());
  }

  @Test
  void statsOnADirectoryWithoutAStoreIsAUsageError() {
    CliTest.Result r = CliTest.run("reuse", "stats", "--store", dir.toString());
    assertEquals(Main.EXIT_USAGE, r.exit());
    assertTrue(r.err().contains("no reuse store"), r.err());
  }
}

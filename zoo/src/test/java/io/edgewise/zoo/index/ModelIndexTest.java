package io.edgewise.zoo.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelIndexTest {
  @TempDir
  Path dir;

  static VariantRecord record(String variant, String sha, double accuracy, long bytes, double... cpuMs) {
    Map<String, Measurement> lat = new LinkedHashMap<>();
    for (int t = 0; t < cpuMs.length; t++) {
      String key = "cpu/" + (t + 1);
      lat.put(key, new Measurement(key, cpuMs[t], cpuMs[t] * 1.2, 1000, 10, "measured", "test"));
    }
    return new VariantRecord("m", variant, List.of(variant), "/x/" + variant + ".onnx", sha, bytes, "top1", accuracy,
        accuracy, lat, Map.of("input", new long[] {1, 1, 8, 8}), 0);
  }

  @Test
  void putListGetSurviveReopen() {
    try (ModelIndex idx = ModelIndex.open(dir)) {
      idx.put(record("float", "aa", 0.98, 400, 1.0, 0.6));
      idx.put(record("int8", "bb", 0.975, 120, 0.5, 0.3));
    }
    try (ModelIndex idx = ModelIndex.open(dir)) {
      List<VariantRecord> all = idx.list();
      assertEquals(List.of("float", "int8"), all.stream().map(VariantRecord::variant).toList());
      VariantRecord q = idx.get("m", "int8");
      assertEquals(0.975, q.accuracy());
      assertEquals(0.3, q.latency().get("cpu/2").medianMs());
      assertEquals(List.of(1L, 1L, 8L, 8L), java.util.Arrays.stream(q.profileShapes().get("input")).boxed().toList());
      assertEquals("m/int8", idx.ownerOf("bb"));
      assertEquals(List.of(), idx.list("other"));
    }
  }

  @Test
  void aFailingPutLeavesTheIndexAsItWas() {
    try (ModelIndex idx = ModelIndex.open(dir)) {
      idx.put(record("float", "aa", 0.98, 400, 1.0));
      // same file content under another name: refused inside the transaction, after the record was written there
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> idx.put(record("copy", "aa", 0.5, 1, 9)));
      assertTrue(e.getMessage().contains("same file content"), e.getMessage());
      assertNull(idx.get("m", "copy"));
      assertEquals(1, idx.list().size());
    }
    // a record too large for the map: MDB_MAP_FULL aborts the transaction
    try (ModelIndex idx = ModelIndex.open(dir, 1L << 20)) {
      VariantRecord huge = new VariantRecord("m", "huge", java.util.Collections.nCopies(200_000, "int8(minmax)"),
          "f", "cc", 1, "top1", 0.1, 0.1, Map.of(), Map.of(), 0);
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> idx.put(huge));
      assertTrue(e.getMessage().contains("nothing was written"), e.getMessage());
    }
    try (ModelIndex idx = ModelIndex.open(dir)) {
      assertEquals(List.of("float"), idx.list().stream().map(VariantRecord::variant).toList());
      assertEquals(0.98, idx.get("m", "float").accuracy());
      assertNull(idx.ownerOf("cc"));
    }
  }

  @Test
  void replacingAVariantMovesItsHash() {
    try (ModelIndex idx = ModelIndex.open(dir)) {
      idx.put(record("int8", "aa", 0.9, 100, 1.0));
      idx.put(record("int8", "bb", 0.91, 100, 1.0));
      assertNull(idx.ownerOf("aa"));
      assertEquals("m/int8", idx.ownerOf("bb"));
      idx.put(record("other", "aa", 0.9, 100, 1.0));
      assertEquals(2, idx.list().size());
    }
  }
}

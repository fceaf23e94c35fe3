package io.edgewise.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability: a child JVM inserting heavily is killed with SIGKILL; the store must reopen cleanly with every
 * entry the child saw committed present and readable (feature, label, compute time).
 */
class CrashRecoveryTest {
  @TempDir
  Path dir;

  /** The deterministic feature of the i-th insert. */
  static float[] feature(int i) {
    SplittableRandom r = new SplittableRandom(i * 7919L + 1);
    float[] f = new float[64];
    for (int k = 0; k < f.length; k++) {
      f[k] = (float) r.nextDouble();
    }
    return f;
  }

  @Test
  void everyCommittedEntrySurvivesSigkill() throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens",
        "java.base/sun.nio.ch=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
        System.getProperty("java.class.path"), CrashChild.class.getName(), dir.toString()));
    Path errFile = dir.resolveSibling(dir.getFileName() + "-child.err");
    Process child = new ProcessBuilder(cmd).redirectError(errFile.toFile()).start();
    Map<Integer, Long> committed = new LinkedHashMap<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      // kill in the middle of heavy inserting: after 3000 commits, or after 15 s of inserting once 100 are in. The
      // 15 s count from the first commit, not from the spawn: on a loaded machine the child JVM's start alone took
      // most of a 15 s budget counted from the spawn, and fsyncs behind other processes' disk writes are slow. A
      // child that commits nothing (or under 100) for 3 minutes still fails below.
      long start = System.nanoTime();
      long hardDeadline = start + TimeUnit.MINUTES.toNanos(3);
      long firstCommit = 0;
      String line;
      while (committed.size() < 3000 && (line = out.readLine()) != null) {
        String[] p = line.split(" ");
        if (p.length == 3 && p[0].equals("C")) {
          committed.put(Integer.parseInt(p[1]), Long.parseLong(p[2]));
          firstCommit = firstCommit == 0 ? System.nanoTime() : firstCommit;
        }
        long now = System.nanoTime();
        if (now > hardDeadline
            || committed.size() >= 100 && now - firstCommit > TimeUnit.SECONDS.toNanos(15)) {
          break;
        }
      }
      child.destroyForcibly(); // SIGKILL on Linux and macOS
      assertTrue(child.waitFor(10, TimeUnit.SECONDS), "child did not die");
    }
    String err = java.nio.file.Files.readString(errFile);
    java.nio.file.Files.deleteIfExists(errFile);
    assertTrue(committed.size() >= 100, "the child committed only " + committed.size() + " entries: " + err);

    try (ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      Namespace ns = store.findNamespace("crash-model", "input").orElseThrow();
      for (Map.Entry<Integer, Long> e : committed.entrySet()) {
        int i = e.getKey();
        ReuseEntry entry = store.get(ns, e.getValue()).orElseThrow(() -> new AssertionError("entry " + i + " lost"));
        assertEquals(i % 10, entry.result().label());
        assertEquals(1000 + i, entry.computeNanos());
        float[] expected = feature(i);
        for (int k = 0; k < expected.length; k++) {
          assertEquals(expected[k], entry.feature()[k], 1e-3, "entry " + i + " value " + k);
        }
      }
      assertTrue(store.stats().entries() >= committed.size());
      // the index is whole too: the last committed entry is its own nearest neighbour
      int last = committed.keySet().stream().mapToInt(Integer::intValue).max().orElseThrow();
      assertEquals(committed.get(last), store.nearest(ns, feature(last), 1).nearest().get(0).id());
      assertTrue(store.insert(ns, feature(-1), StoredResult.label(1, 1), 1, "local") >= 0, "writable after reopen");
    }
  }
}

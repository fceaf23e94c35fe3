package io.edgewise.apps.ocr.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.reuse.Namespace;
import io.edgewise.reuse.ReuseEntry;
import io.edgewise.reuse.ReuseStore;
import io.edgewise.reuse.ReuseStoreOptions;
import io.edgewise.apps.ocr.PageRenderer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability under the OCR bench's workload: a child JVM reads the camera stream with frame and line reuse into a
 * store and is killed with SIGKILL after it reported at least 60 committed entries (or after 4 minutes); the store
 * must reopen with every reported entry there, in its namespace, with the same label and the same feature and result
 * bytes (a CRC over both), and take new entries.
 */
class OcrStoreCrashTest {
  static final Path MODELS = Path.of("../shared/testdata/ocr");
  static final PageRenderer.Options PAGE = PageRenderer.Options.defaults().withSize(480, 360).withTextSizes(22, 32);

  @TempDir
  Path dir;

  /** A CRC of an entry's feature as the store gives it back (decoded from fp16) and of its result's tensors. */
  static long checksum(ReuseEntry e) {
    CRC32 crc = new CRC32();
    for (float f : e.feature()) {
      int q = Float.floatToIntBits(f);
      crc.update(new byte[] {(byte) q, (byte) (q >> 8), (byte) (q >> 16), (byte) (q >> 24)});
    }
    e.result().tensors().forEach(t -> crc.update(t.data()));
    return crc.getValue();
  }

  record Committed(String tap, int label, long checksum) {}

  @Test
  void everyEntryCommittedBeforeSigkillIsThereAfterReopening() throws Exception {
    assumeTrue(Files.isDirectory(MODELS), "no " + MODELS);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens",
        "java.base/sun.nio.ch=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
        System.getProperty("java.class.path"), OcrStoreCrashChild.class.getName(), dir.toString(),
        MODELS.toString()));
    Path errFile = dir.resolveSibling(dir.getFileName() + "-child.err");
    // the environment is inherited: the JDK's libjsig preload with it, as the native core wants
    Process child = new ProcessBuilder(cmd).redirectError(errFile.toFile()).start();
    Map<Long, Committed> committed = new LinkedHashMap<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      // 60 commits come ~20 s after the first one; the first is what a loaded machine delays (the JVM's start, the
      // models' load and first frames): 70 s after the spawn at load 19, and in a module run at load ~20 the whole
      // test took 228 s of the former 4-minute limit. The limit only bounds a child that stops committing.
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      String line;
      while (committed.size() < 60 && System.nanoTime() < deadline && (line = out.readLine()) != null) {
        String[] p = line.split(" ");
        if (p.length == 5 && p[0].equals("C")) {
          committed.put(Long.parseLong(p[1]), new Committed(p[2], Integer.parseInt(p[3]), Long.parseLong(p[4])));
        }
      }
      // the child is in the middle of its next frame: detector, recogniser, inserts
      child.destroyForcibly(); // SIGKILL on Linux and macOS
      assertTrue(child.waitFor(10, TimeUnit.SECONDS), "child did not die");
    }
    String err = Files.readString(errFile);
    Files.deleteIfExists(errFile);
    assertTrue(committed.size() >= 20, "the child committed only " + committed.size() + " entries: " + err);
    assertTrue(committed.values().stream().anyMatch(c -> c.tap().equals(OcrReuseOptions.FRAME_TAP)),
        "no frame entry among " + committed.size());

    try (ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      Map<String, Namespace> byTap = new LinkedHashMap<>();
      store.namespaces().forEach(ns -> byTap.put(ns.tap(), ns));
      for (Map.Entry<Long, Committed> c : committed.entrySet()) {
        Namespace ns = byTap.get(c.getValue().tap());
        assertTrue(ns != null, "namespace " + c.getValue().tap() + " lost");
        ReuseEntry e = store.get(ns, c.getKey()).orElseThrow(() -> new AssertionError("entry " + c.getKey()
            + " (" + c.getValue().tap() + ") lost"));
        assertEquals(c.getValue().label(), e.result().label(), "entry " + c.getKey());
        assertEquals(c.getValue().checksum(), checksum(e), "entry " + c.getKey() + "'s bytes");
        // a frame entry still decodes into lines and a pose, a line entry into its text
        if (ns.tap().equals(OcrReuseOptions.FRAME_TAP)) {
          TextResults.lines(e.result());
          assertTrue(TextResults.pose(e.result()).isPresent());
        } else {
          TextResults.text(e.result());
        }
      }
      assertTrue(store.stats().entries() >= committed.size());
      Namespace frames = byTap.get(OcrReuseOptions.FRAME_TAP);
      long last = committed.entrySet().stream().filter(c -> c.getValue().tap().equals(OcrReuseOptions.FRAME_TAP))
          .mapToLong(Map.Entry::getKey).max().orElseThrow();
      ReuseEntry lastFrame = store.get(frames, last).orElseThrow();
      assertEquals(last, store.nearest(frames, lastFrame.feature(), 1).nearest().get(0).id(),
          "the index is whole: the last committed frame is its own nearest");
      assertTrue(store.insert(frames, lastFrame.feature(), lastFrame.result(), 1, "local") >= 0,
          "writable after reopening");
    }
  }
}

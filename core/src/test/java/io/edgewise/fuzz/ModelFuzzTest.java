package io.edgewise.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.time.Duration;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Mutates real models (bit flips, truncation, corrupted length fields, random byte runs, spliced chunks; and, for a
 * third of the cases, structure-aware edits of attributes, wiring, op types, initializers and opsets that still
 * parse, and Identity or Add chains up to 3,000 nodes long spliced into the graph) and runs each mutant through
 * import, session creation (with the graph passes) and one inference on ref. Only EdgewiseException may escape, no
 * case may take over 10 s, and no native memory may be left behind. The case count comes from
 * -Dedgewise.fuzz.cases (300 in CI, 10000 for a nightly run); the seed is fixed (or -Dedgewise.fuzz.seed) so
 * failures reproduce.
 */
class ModelFuzzTest {
  private static final long SEED = 0x5eed_f00dL;
  private static final long CASE_TIMEOUT_SECONDS = 10;

  record Seed(Path dir, byte[] model) {}

  @Test
  void mutatedModelsFailOnlyWithTheDocumentedException() throws Exception {
    int cases = Integer.getInteger("edgewise.fuzz.cases", 300);
    long seed = Long.getLong("edgewise.fuzz.seed", SEED);
    Integer only = Integer.getInteger("edgewise.fuzz.only");  // re-runs one case of a failure report
    List<Seed> seeds = seeds();
    long liveBefore = Tensor.liveCount();
    Map<String, Integer> outcomes = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    Map<String, String> firstCases = new TreeMap<>();
    for (int i = 0; i < cases && failures.size() < 20; i++) {
      if (only != null && i != only) {
        continue;
      }
      Random rnd = new Random(seed * 1_000_003L + i);  // one generator per case: any case re-runs alone
      // a quarter of the cases mutate the digit CNNs (the last two seeds): real graphs that the passes rewrite
      Seed s = rnd.nextInt(4) == 0 ? seeds.get(seeds.size() - 1 - rnd.nextInt(2))
          : seeds.get(rnd.nextInt(seeds.size()));
      String[] how = new String[1];
      byte[] mutant = rnd.nextInt(3) == 0 ? StructuredMutator.mutate(s.model(), rnd, how)
          : mutate(s.model(), rnd, how);
      String label = "case " + i + " (" + how[0] + " of " + s.dir().getFileName() + ", seed " + seed + ")";
      try {
        String outcome = assertTimeoutPreemptively(Duration.ofSeconds(CASE_TIMEOUT_SECONDS),
            () -> runCase(s.dir(), mutant), label + " took over " + CASE_TIMEOUT_SECONDS + " s");
        if (outcomes.merge(outcome, 1, Integer::sum) == 1 && outcome.startsWith("kernel crash")) {
          firstCases.put(outcome, label);
        }
        // a leak raises the count; the Cleaner collecting tensors other tests leaked may lower it meanwhile
        long live = Tensor.liveCount();
        if (live > liveBefore) {
          failures.add(label + " (" + outcome + ") left " + (live - liveBefore) + " tensors open");
        }
        liveBefore = live;
      } catch (AssertionError e) {
        if (e.getMessage() != null && e.getMessage().contains("took over")) {
          throw e;  // the worker thread may still run: stop here
        }
        failures.add(label + ": " + e.getMessage());
      } catch (Throwable e) {
        failures.add(label + " let " + e + " escape" + where(e));
      }
    }
    System.out.println("fuzz outcomes over " + cases + " cases:");
    outcomes.forEach((k, v) -> System.out.println("  " + v + " x " + k
        + (firstCases.containsKey(k) ? " (first: " + firstCases.get(k) + ")" : "")));
    assertEquals(List.of(), failures, "only EdgewiseException may escape, and it must say where");
    assertTrue(Tensor.liveCount() <= liveBefore, "tensors left open after the fuzz cases");
    if (only == null) {
      assertTrue(outcomes.keySet().stream().anyMatch(k -> k.startsWith("rejected")), outcomes.toString());
    }
  }

  private static String where(Throwable e) {
    StackTraceElement[] st = e.getStackTrace();
    return st.length == 0 ? "" : " at " + st[0] + (st.length > 1 ? " <- " + st[1] : "");
  }

  /** Import, open, run; returns what happened. Any exception but EdgewiseException propagates. */
  private static String runCase(Path dir, byte[] bytes) {
    Model model;
    try {
      model = OnnxImporter.load(bytes, dir.resolve("model.onnx"));
    } catch (EdgewiseException e) {
      requireWhere(e);
      return "rejected at import: " + e.code();
    }
    try (Session s = Session.open(model, SessionOptions.defaults().withDevice("ref"))) {
      Map<String, Tensor> inputs = new HashMap<>();
      try {
        for (int k = 0; k < s.inputs().size(); k++) {
          Path pb = dir.resolve("test_data_set_0/input_" + k + ".pb");
          if (Files.exists(pb)) {
            inputs.put(s.inputs().get(k).name(), TensorProtos.readFile(pb));
          }
        }
        s.run(inputs).values().forEach(Tensor::close);
        return "ran";
      } finally {
        inputs.values().forEach(Tensor::close);
      }
    } catch (EdgewiseException e) {
      requireWhere(e);
      Throwable cause = e.getCause();
      if (cause != null && !(cause instanceof EdgewiseException)) {
        // the executor turned a kernel's crash into an error naming the node: allowed, but a kernel bug to fix
        return "kernel crash reported as " + e.code() + ": " + cause.getClass().getSimpleName()
            + where(cause).replaceAll(":\\d+\\)", ")");
      }
      return "rejected at open/run: " + e.code();
    }
  }

  /** Every error must say something about where: a file, node, input or field. */
  private static void requireWhere(EdgewiseException e) {
    String m = e.getMessage();
    if (!(m.contains("model.onnx") || m.contains("node") || m.contains("input") || m.contains("tensor")
        || m.contains("field"))) {
      throw new AssertionError("error without a location: " + m, e);
    }
  }

  private static byte[] mutate(byte[] original, Random rnd, String[] how) {
    byte[] b = original.clone();
    switch (rnd.nextInt(5)) {
      case 0 -> {
        int flips = 1 + rnd.nextInt(8);
        for (int i = 0; i < flips; i++) {
          b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
        }
        how[0] = flips + " bit flips";
      }
      case 1 -> {
        int cut = rnd.nextInt(b.length);
        how[0] = "truncation at " + cut;
        return java.util.Arrays.copyOf(b, cut);
      }
      case 2 -> {
        // a length-delimited field claiming ~2 GiB: the classic protobuf bomb
        int at = rnd.nextInt(Math.max(1, b.length - 6));
        byte[] huge = {(byte) 0xf0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x07};
        System.arraycopy(huge, 0, b, at, Math.min(huge.length, b.length - at));
        how[0] = "length field corrupted at " + at;
      }
      case 3 -> {
        int at = rnd.nextInt(b.length);
        int n = Math.min(b.length - at, 1 + rnd.nextInt(64));
        for (int i = 0; i < n; i++) {
          b[at + i] = (byte) rnd.nextInt(256);
        }
        how[0] = n + " random bytes at " + at;
      }
      default -> {
        int from = rnd.nextInt(b.length);
        int len = Math.min(b.length - from, 1 + rnd.nextInt(128));
        int to = rnd.nextInt(b.length);
        byte[] out = new byte[b.length + len];
        System.arraycopy(b, 0, out, 0, to);
        System.arraycopy(b, from, out, to, len);
        System.arraycopy(b, to, out, to + len, b.length - to);
        how[0] = len + " bytes spliced at " + to;
        return out;
      }
    }
    return b;
  }

  /** Small models only, so each case runs fast: every node test plus the two digit CNNs. */
  private static List<Seed> seeds() throws IOException {
    List<Seed> seeds = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    try (Stream<Path> s = Files.list(TestData.onnxNode())) {
      s.filter(p -> Files.exists(p.resolve("model.onnx"))).sorted().forEach(dirs::add);
    }
    dirs.add(TestData.model("digits_cnn_0to4"));
    dirs.add(TestData.model("digits_cnn_0to9"));
    for (Path d : dirs) {
      seeds.add(new Seed(d, Files.readAllBytes(d.resolve("model.onnx"))));
    }
    return seeds;
  }
}

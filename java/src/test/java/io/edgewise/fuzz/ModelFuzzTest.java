package io.edgewise.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Mutates real models (bit flips, truncation, corrupted length fields, random byte runs, spliced chunks) and runs
 * each mutant through import, session creation and one inference on ref. Only EdgewiseException may escape, no
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
    List<Seed> seeds = seeds();
    Random rnd = new Random(Long.getLong("edgewise.fuzz.seed", SEED));
    long liveBefore = Tensor.liveCount();
    Map<String, Integer> outcomes = new HashMap<>();
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fuzz-case");
      t.setDaemon(true);
      return t;
    });
    try {
      for (int i = 0; i < cases; i++) {
        Seed seed = seeds.get(rnd.nextInt(seeds.size()));
        String[] how = new String[1];
        byte[] mutant = mutate(seed.model(), rnd, how);
        String label = "case " + i + " (" + how[0] + " of " + seed.dir().getFileName() + ")";
        Future<String> f = worker.submit(() -> runCase(seed.dir(), mutant));
        try {
          outcomes.merge(f.get(CASE_TIMEOUT_SECONDS, TimeUnit.SECONDS), 1, Integer::sum);
        } catch (TimeoutException e) {
          f.cancel(true);
          fail(label + " took over " + CASE_TIMEOUT_SECONDS + " s");
        } catch (java.util.concurrent.ExecutionException e) {
          throw new AssertionError(label + " let " + e.getCause() + " escape", e.getCause());
        }
      }
    } finally {
      worker.shutdownNow();
    }
    System.out.println("fuzz outcomes over " + cases + " cases: " + outcomes);
    assertEquals(liveBefore, Tensor.liveCount(), "tensors left open after the fuzz cases");
    assertTrue(outcomes.keySet().stream().anyMatch(k -> k.startsWith("rejected")), outcomes.toString());
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
    try (Session s = Session.open(model, SessionOptions.defaults())) {
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

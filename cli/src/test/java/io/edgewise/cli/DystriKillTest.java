package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.adapt.dystri.LevelLadder;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.dystri.Coordinator;
import io.edgewise.serve.dystri.LevelsFile;
import io.edgewise.serve.dystri.Outcome;
import io.edgewise.serve.dystri.Policy;
import io.edgewise.serve.dystri.SessionLevels;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real crash: two `edgewise serve --node-port --levels` nodes run in child JVMs; while a coordinator streams requests
 * to them, one child is killed (SIGKILL). Every request is answered, served by the survivor with the model's own
 * outputs (the oracle: the same model run here), and the dead node is marked down.
 */
class DystriKillTest {
  private static final Pattern NODE = Pattern.compile("node: +listening on 127\\.0\\.0\\.1:(\\d+)");

  @TempDir
  Path tmp;

  private Process node(Path levels, List<String> log) throws Exception {
    Path models = Files.createDirectories(tmp.resolve("models"));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-opens", "java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "io.edgewise.cli.Main", "serve", "--models", models.toString(), "--host", "127.0.0.1", "--port", "0",
        "--no-auth", "--device", "ref", "--node-port", "0", "--levels", levels.toString()));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  private static int port(Process p, List<String> log) throws Exception {
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    String line;
    while (System.nanoTime() < deadline && (line = r.readLine()) != null) {
      log.add(line);
      Matcher m = NODE.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> {
          try {
            while (r.readLine() != null) {
              // keep the child's pipe from filling
            }
          } catch (java.io.IOException e) {
            // the child died: nothing more to read
          }
        });
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("the node did not start: " + log);
  }

  @Test
  void aNodeKilledBySigkillLosesNoRequest() throws Exception {
    Path model = TestData.model("digits_cnn_0to9").resolve("model.onnx");
    Path levels = tmp.resolve("levels.json");
    LevelsFile.write(levels, "digits", List.of(new SessionLevels.Spec("small", model, 0.90),
        new SessionLevels.Spec("big", model, 0.95)));
    List<String> log0 = new ArrayList<>();
    List<String> log1 = new ArrayList<>();
    Process p0 = node(levels, log0);
    Process p1 = node(levels, log1);
    try {
      int port0 = port(p0, log0);
      int port1 = port(p1, log1);
      LevelLadder ladder;
      SessionOptions ref = SessionOptions.defaults().withDevice("ref");
      try (SessionLevels l = SessionLevels.open(LevelsFile.read(levels), ref, 3)) {
        ladder = l.ladder();
      }
      try (Session oracle = Session.open(model, ref);
           Coordinator c = new Coordinator(List.of(new Coordinator.Address("127.0.0.1", port0),
               new Coordinator.Address("127.0.0.1", port1)), ladder, Coordinator.Options.of(Policy.DYSTRI))) {
        assertTrue(c.alive(0) && c.alive(1), "both nodes up");
        String input = oracle.inputs().get(0).name();
        Random rnd = new Random(3);
        int n = 150;
        List<float[]> xs = new ArrayList<>();
        List<CompletableFuture<Outcome>> fs = new ArrayList<>();
        long killedAt = 0;
        for (int i = 0; i < n; i++) {
          float[] x = new float[64];
          for (int k = 0; k < x.length; k++) {
            x[k] = rnd.nextFloat();
          }
          xs.add(x);
          fs.add(c.submit("u" + i % 3, 0.92, System.nanoTime() + TimeUnit.SECONDS.toNanos(30),
              Map.of(input, Tensor.ofFloats(Shape.of(1, 1, 8, 8), x))));
          if (i == n / 3) {
            killedAt = System.nanoTime();
            p0.destroyForcibly();  // SIGKILL
          }
          Thread.sleep(10);
        }
        int served = 0;
        for (int i = 0; i < n; i++) {
          try (Outcome o = fs.get(i).get(120, TimeUnit.SECONDS);
               Tensor x = Tensor.ofFloats(Shape.of(1, 1, 8, 8), xs.get(i))) {
            assertTrue(o.served(), "request " + i + ": " + o.reason());
            Map<String, Tensor> want = oracle.run(Map.of(input, x));
            try {
              assertArrayEquals(want.values().iterator().next().toFloatArray(),
                  o.outputs().values().iterator().next().toFloatArray(), 1e-5f, "request " + i);
            } finally {
              want.values().forEach(Tensor::close);
            }
            served++;
          }
        }
        assertEquals(n, served);
        assertFalse(c.alive(0), "the killed node is down");
        assertTrue(c.alive(1));
        assertTrue(c.downSinceNanos(0) - killedAt > 0, "noticed after the kill");
      }
    } finally {
      p0.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      p1.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }
}

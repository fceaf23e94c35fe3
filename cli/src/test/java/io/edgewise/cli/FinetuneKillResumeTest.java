package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.TestData;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real kill: `edgewise finetune` runs in a child JVM that is killed (SIGKILL) once its second checkpoint exists;
 * `--resume` then finishes the run, and the tuned head equals that of an uninterrupted run bit for bit.
 */
class FinetuneKillResumeTest {
  @TempDir
  Path tmp;

  private static List<String> args(Path out, Path ckpt) {
    return List.of("finetune", TestData.model("digits_cnn_0to4").toString(), "--data",
        TestData.root().resolve("digits").toString(), "--protocol", "A", "--replace-head", "10", "--freeze-until",
        "/Flatten", "--epochs", "8", "--lr", "0.05", "--momentum", "0.9", "--device", "cpu",
        "--feature-cache-mib", "0", "--out", out.toString(), "--checkpoint-dir", ckpt.toString(), "--json");
  }

  @Test
  void aKilledProcessResumesFromItsLastCheckpoint() throws Exception {
    Path ckpt = tmp.resolve("ckpt");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-opens", "java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "io.edgewise.cli.Main"));
    command.addAll(args(tmp.resolve("killed.onnx"), ckpt));
    Process child = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("child.log").toFile()).start();
    Path second = ckpt.resolve("epoch-0002.ckpt");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.exists(second) && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    boolean killedMidRun = child.isAlive();
    child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    assertTrue(killedMidRun, "the child finished before it could be killed: " + Files.readString(tmp.resolve(
        "child.log")));
    assertTrue(Files.exists(second), Files.readString(tmp.resolve("child.log")));

    List<String> resume = new ArrayList<>(args(tmp.resolve("resumed.onnx"), ckpt));
    resume.add("--resume");
    CliTest.Result resumed = CliTest.run(resume.toArray(String[]::new));
    assertEquals(0, resumed.exit(), resumed.err());
    int from = new ObjectMapper().readTree(resumed.out()).get("resumed_from_epoch").asInt();
    assertTrue(from >= 2 && from < 8, "resumed after epoch " + from);

    CliTest.Result whole = CliTest.run(args(tmp.resolve("whole.onnx"), tmp.resolve("ckpt2")).toArray(String[]::new));
    assertEquals(0, whole.exit(), whole.err());
    try (Model a = OnnxImporter.load(tmp.resolve("resumed.onnx"));
        Model b = OnnxImporter.load(tmp.resolve("whole.onnx"))) {
      for (String p : new String[] {"fc.weight", "fc.bias"}) {
        assertArrayEquals(b.graph().initializers().get(p).toFloatArray(),
            a.graph().initializers().get(p).toFloatArray(), 0f, p);
      }
    }
  }
}

package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `edgewise finetune` in-process on the real digits data, with a split made here (not the shared one). */
class FinetuneCommandTest {
  @TempDir
  Path tmp;

  private int testCount;

  /** A stratified 75/25 split of the 1797 digits from another seed than the shared split_seed0.json. */
  private Path ownSplit() throws IOException {
    byte[] labels = Files.readAllBytes(TestData.root().resolve("digits/digits_y.u8"));
    List<Integer> train = new ArrayList<>();
    List<Integer> test = new ArrayList<>();
    Random r = new Random(42);
    for (int c = 0; c < 10; c++) {
      List<Integer> members = new ArrayList<>();
      for (int i = 0; i < labels.length; i++) {
        if (labels[i] == c) {
          members.add(i);
        }
      }
      Collections.shuffle(members, r);
      int nTest = Math.round(0.25f * members.size());
      test.addAll(members.subList(0, nTest));
      train.addAll(members.subList(nTest, members.size()));
    }
    Collections.sort(train);
    Collections.sort(test);
    testCount = test.size();
    Path split = tmp.resolve("split_seed42.json");
    new ObjectMapper().writeValue(split.toFile(), java.util.Map.of("train", train, "test", test));
    return split;
  }

  @Test
  void protocolBOnAnotherSplitPrintsOneJsonObject() throws IOException {
    Path out = tmp.resolve("tuned.onnx");
    Path split = ownSplit();
    CliTest.Result r = CliTest.run("finetune", TestData.model("digits_cnn_0to4").toString(), "--data",
        TestData.root().resolve("digits").toString(), "--split", split.toString(), "--protocol", "B",
        "--replace-head", "10", "--freeze-until", "/Flatten", "--epochs", "50", "--lr", "0.05", "--device", "cpu",
        "--out", out.toString(), "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertTrue(json.get("test_accuracy").asDouble() >= 0.75, r.out());
    assertEquals(50, json.get("epochs").asInt());
    assertTrue(json.get("seconds").asDouble() > 0);
    assertTrue(json.get("samples_per_second").asDouble() > 0);
    assertEquals(100, json.get("train_samples").asInt());
    assertEquals(testCount, json.get("test_samples").asInt());
    assertEquals(50, json.get("history").size());
    assertTrue(r.err().contains("epoch 50/50"), "per-epoch lines go to stderr with --json: " + r.err());
    assertTrue(Files.size(out) > 0);
    assertTrue(Files.exists(tmp.resolve("tuned.onnx.ckpt/epoch-0050.ckpt")));
  }

  @Test
  void usageAndInputErrorsAreNamed() {
    CliTest.Result missing = CliTest.run("finetune", TestData.model("digits_cnn_0to4").toString(), "--data",
        TestData.root().resolve("digits").toString());
    assertEquals(Main.EXIT_USAGE, missing.exit());
    assertTrue(missing.err().contains("--out"), missing.err());
    CliTest.Result noData = CliTest.run("finetune", TestData.model("digits_cnn_0to4").toString(), "--data",
        tmp.resolve("nothing").toString(), "--out", tmp.resolve("t.onnx").toString());
    assertEquals(Main.EXIT_FAILURE, noData.exit());
    assertTrue(noData.err().contains("nothing") && noData.err().contains("does not exist"), noData.err());
  }
}

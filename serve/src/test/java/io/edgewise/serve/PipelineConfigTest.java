package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.ServedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model directory whose config.json declares a pipeline: a faulty config leaves the model listed as unavailable
 * (version 1) with one line saying why, naming the file and the key; the other models load as before. No model file
 * is needed: every case fails before a model is read.
 */
class PipelineConfigTest {
  static final String FILES = "\"det\": \"det.onnx\", \"cls\": \"cls.onnx\", \"rec\": \"rec.onnx\", "
      + "\"dictionary\": \"keys.txt\"";

  static String failure(Path repo, String config) throws IOException {
    Path dir = Files.createDirectories(repo.resolve("ocr"));
    Files.writeString(dir.resolve("config.json"), config);
    Files.writeString(dir.resolve("keys.txt"), "a\nb\n");
    try (ModelRepository r = ModelRepository.open(repo, SessionOptions.defaults().withDevice("ref"))) {
      ServedModel m = r.find("ocr", null).orElseThrow();
      assertEquals("1", m.version());
      assertFalse(m.isReady());
      assertEquals(1, m.failure().lines().count(), m.failure());
      assertTrue(m.failure().contains(dir.resolve("config.json").toRealPath().toString()), m.failure());
      return m.failure();
    }
  }

  static void assertContains(String text, String expected) {
    assertTrue(text.contains(expected), "expected '" + expected + "' in: " + text);
  }

  @Test
  void aMissingFileIsNamedWithTheKeyAndWhereItWasLookedFor(@TempDir Path repo) throws IOException {
    String f = failure(repo, "{\"pipeline\": \"ocr\", " + FILES + "}");
    assertContains(f, "\"det\" det.onnx: in neither");
    assertContains(f, "../shared/testdata/ocr");
  }

  @Test
  void unknownKeysPipelinesAndBadValuesAreRefused(@TempDir Path repo) throws IOException {
    assertContains(failure(repo, "{\"pipeline\": \"ocr\", " + FILES + ", \"colour\": 1}"), "unknown key \"colour\"");
    assertContains(failure(repo, "{\"pipeline\": \"asr\", " + FILES + "}"), "unknown pipeline \"asr\"");
    assertContains(failure(repo, "{\"pipeline\": \"ocr\", \"det\": \"det.onnx\"}"), "\"cls\" must name a file");
    assertContains(failure(repo, "{\"pipeline\": \"ocr\", " + FILES + ", \"max_batch\": 0}"),
        "\"max_batch\" must be a positive integer");
    assertContains(failure(repo, "{\"pipeline\": \"ocr\", " + FILES + ", \"threads\": -1}"),
        "\"threads\" must be an integer");
  }

  @Test
  void filesOutsideTheRepositoryAreRefused(@TempDir Path dir) throws IOException {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    Files.writeString(dir.resolve("outside.onnx"), "x");
    assertContains(failure(repo, "{\"pipeline\": \"ocr\", " + FILES.replace("det.onnx", "../../outside.onnx") + "}"),
        "points outside");
    assertContains(failure(repo, "{\"pipeline\": \"ocr\", " + FILES.replace("det.onnx",
        dir.resolve("outside.onnx").toString()) + "}"), "must be a relative path");
  }

  @Test
  void aConfigWithoutThePipelineKeyIsAnOnnxModelsConfigAsBefore(@TempDir Path repo) throws IOException {
    ServeFixture.addModel(repo, "digits_cnn_0to9", "digits", "1");
    Files.writeString(repo.resolve("digits/config.json"), "{\"device\": \"ref\"}");
    try (ModelRepository r = ModelRepository.open(repo, SessionOptions.defaults())) {
      ServedModel m = r.find("digits", null).orElseThrow();
      assertTrue(m.isReady(), m.failure());
      assertEquals("ref", m.deviceName());
      assertEquals(null, m.pipeline());
    }
  }
}

package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.edgewise.TestData;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.ServedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repository layout, version choice, per-model config, and that nothing outside the root is read. */
class ModelRepositoryTest {
  @TempDir
  Path repo;

  @TempDir
  Path outside;

  @Test
  void loadsEveryVersionAndPicksTheHighestByDefault() throws Exception {
    ServeFixture.digitsRepository(repo);
    ServeFixture.addModel(repo, "digits_cnn_0to9", "digits", "10");  // 10 > 2 numerically, not by text
    try (ModelRepository r = ModelRepository.open(repo, SessionOptions.defaults().withDevice("ref"))) {
      assertEquals(List.of("digits"), r.names());
      assertEquals(List.of("1", "2", "10"), r.versions("digits"));
      assertEquals("10", r.find("digits", null).orElseThrow().version());
      assertEquals("2", r.find("digits", "2").orElseThrow().version());
      assertTrue(r.find("digits", "3").isEmpty());
      assertTrue(r.find("digits", "01").isEmpty());
      assertTrue(r.find("nope", null).isEmpty());
      ServedModel m = r.find("digits", "1").orElseThrow();
      assertTrue(m.isReady());
      assertEquals(64, m.sha256().length());
      assertTrue(r.allReady());
    }
  }

  @Test
  void aModelThatFailsToLoadIsListedWithItsReason() throws Exception {
    ServeFixture.addModel(repo, "digits_cnn_0to4", "good", "1");
    Path bad = Files.createDirectories(repo.resolve("bad/1"));
    Files.write(bad.resolve("model.onnx"), new byte[] {8, 1, 18, 3});
    Files.createDirectories(repo.resolve("empty/1"));
    try (ModelRepository r = ModelRepository.open(repo, SessionOptions.defaults().withDevice("ref"))) {
      assertTrue(r.find("good", null).orElseThrow().isReady());
      ServedModel b = r.find("bad", "1").orElseThrow();
      assertFalse(b.isReady());
      assertTrue(b.failure().contains("INVALID_MODEL"), b.failure());
      ServedModel e = r.find("empty", "1").orElseThrow();
      assertTrue(e.failure().contains("no such file"), e.failure());
      assertFalse(r.allReady());
    }
  }

  @Test
  void aSymbolicLinkLeavingTheRepositoryIsRefused() throws Exception {
    Path secret = Files.copy(TestData.model("digits_cnn_0to4").resolve("model.onnx"), outside.resolve("m.onnx"));
    Path v = Files.createDirectories(repo.resolve("escape/1"));
    Files.createSymbolicLink(v.resolve("model.onnx"), secret);
    Files.createSymbolicLink(repo.resolve("linked"), outside);  // a whole model directory elsewhere
    Files.createDirectories(outside.resolve("1"));
    Files.copy(secret, outside.resolve("1/model.onnx"));
    try (ModelRepository r = ModelRepository.open(repo, SessionOptions.defaults().withDevice("ref"))) {
      ServedModel m = r.find("escape", "1").orElseThrow();
      assertFalse(m.isReady());
      assertTrue(m.failure().contains("outside"), m.failure());
      assertFalse(r.find("linked", "1").orElseThrow().isReady());
    }
  }

  /** digits_cnn_0to4 with its first raw initializer moved to the external file weights.bin beside it. */
  static void externalDataModel(Path versionDir, Path weightsFile) throws Exception {
    ModelProto m = ModelProto.parseFrom(Files.readAllBytes(TestData.model("digits_cnn_0to4").resolve("model.onnx")));
    GraphProto.Builder g = m.getGraph().toBuilder();
    int i = 0;
    while (g.getInitializer(i).getRawData().isEmpty()) {
      i++;
    }
    TensorProto init = g.getInitializer(i);
    Files.createDirectories(weightsFile.getParent());
    Files.write(weightsFile, init.getRawData().toByteArray());
    g.setInitializer(i, init.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin")));
    Files.createDirectories(versionDir);
    Files.write(versionDir.resolve("model.onnx"), m.toBuilder().setGraph(g).build().toByteArray());
  }

  @Test
  void externalDataThroughASymbolicLinkOutsideIsRefused() throws Exception {
    externalDataModel(repo.resolve("plain/1"), repo.resolve("plain/1/weights.bin"));
    // the probe: weights.bin a link to a file outside; the model must not load (and never compute with it)
    externalDataModel(repo.resolve("linked/1"), outside.resolve("weights.bin"));
    Files.createSymbolicLink(repo.resolve("linked/1/weights.bin"), outside.resolve("weights.bin"));
    try (ModelRepository r = ModelRepository.open(repo, SessionOptions.defaults().withDevice("ref"))) {
      assertTrue(r.find("plain", "1").orElseThrow().isReady(), r.find("plain", "1").orElseThrow().failure());
      ServedModel linked = r.find("linked", "1").orElseThrow();
      assertFalse(linked.isReady());
      assertTrue(linked.failure().contains("outside") && linked.failure().contains("external_data"),
          linked.failure());
    }
  }

  @Test
  void aSymbolicallyLinkedVersionDirectoryIsRefused() throws Exception {
    ServeFixture.addModel(repo, "digits_cnn_0to4", "m", "1");
    Path elsewhere = Files.createDirectories(outside.resolve("v2"));
    Files.copy(TestData.model("digits_cnn_0to4").resolve("model.onnx"), elsewhere.resolve("model.onnx"));
    Files.createSymbolicLink(repo.resolve("m/2"), elsewhere);
    try (ModelRepository r = ModelRepository.open(repo, SessionOptions.defaults().withDevice("ref"))) {
      assertTrue(r.find("m", "1").orElseThrow().isReady());
      ServedModel v2 = r.find("m", "2").orElseThrow();
      assertFalse(v2.isReady());
      assertTrue(v2.failure().contains("outside"), v2.failure());
    }
  }

  @Test
  void aHardLinkedModelFileOrALinkedConfigIsRefused() throws Exception {
    Path secret = Files.copy(TestData.model("digits_cnn_0to4").resolve("model.onnx"), outside.resolve("m.onnx"));
    Path v = Files.createDirectories(repo.resolve("hard/1"));
    try {
      Files.createLink(v.resolve("model.onnx"), secret);
    } catch (java.io.IOException | UnsupportedOperationException e) {
      org.junit.jupiter.api.Assumptions.abort("no hard links between these directories: " + e);
    }
    ServeFixture.addModel(repo, "digits_cnn_0to4", "cfg", "1");
    Files.writeString(outside.resolve("config.json"), "{\"device\": \"ref\"}");
    Files.createSymbolicLink(repo.resolve("cfg/config.json"), outside.resolve("config.json"));
    try (ModelRepository r = ModelRepository.open(repo, SessionOptions.defaults().withDevice("ref"))) {
      ServedModel hard = r.find("hard", "1").orElseThrow();
      assertFalse(hard.isReady());
      assertTrue(hard.failure().contains("hard links"), hard.failure());
      ServedModel cfg = r.find("cfg", "1").orElseThrow();
      assertFalse(cfg.isReady());
      assertTrue(cfg.failure().contains("outside"), cfg.failure());
    }
  }

  @Test
  void namesThatAreNotPlainAreSkippedAndConfigChoosesTheDevice() throws Exception {
    ServeFixture.addModel(repo, "digits_cnn_0to4", ".hidden", "1");
    ServeFixture.addModel(repo, "digits_cnn_0to4", "onort", "1");
    Files.writeString(repo.resolve("onort/config.json"), "{\"device\": \"ort\", \"threads\": 1}");
    ServeFixture.addModel(repo, "digits_cnn_0to4", "typo", "1");
    Files.writeString(repo.resolve("typo/config.json"), "{\"devcie\": \"ort\"}");
    try (ModelRepository r = ModelRepository.open(repo, SessionOptions.defaults().withDevice("ref"))) {
      assertEquals(List.of("onort", "typo"), r.names());
      assertEquals("ort", r.find("onort", null).orElseThrow().session().deviceName());
      ServedModel typo = r.find("typo", "1").orElseThrow();
      assertFalse(typo.isReady());
      assertTrue(typo.failure().contains("unknown key \"devcie\""), typo.failure());
    }
  }
}

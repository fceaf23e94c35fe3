package io.edgewise.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The digits README's adaptation task on the real data: digits_cnn_0to4 gets a 10-class head and is tuned with the
 * convolutions frozen. Protocol B (10 per class) runs in well under a second on cpu, so it is tested here; protocol A
 * is a CLI run (see README).
 */
class DigitsFineTuneTest {
  private static final String FREEZE_UNTIL = "/Flatten";

  @TempDir
  Path tmp;

  private static Path modelFile() {
    return TestData.model("digits_cnn_0to4").resolve("model.onnx");
  }

  private static DataSplit protocolB() {
    return DataSplit.load(TestData.root().resolve("digits"), null, DataSplit.Protocol.B, 10);
  }

  private static FineTuneConfig config(String device, int epochs) {
    return FineTuneConfig.defaults(device, epochs, 0.05).withReplaceHead(10)
        .withFreezing(Freezing.until(FREEZE_UNTIL));
  }

  @Test
  void protocolBReachesTheThresholdAndOnlyTheHeadChanges() {
    DataSplit data = protocolB();
    assertEquals(100, data.train().size());
    assertEquals(450, data.test().size());
    try (Model original = OnnxImporter.load(modelFile()); Model m = OnnxImporter.load(modelFile())) {
      FineTuner.Result r = tune(m, config("cpu", 50), null, data);
      assertTrue(r.testAccuracy() >= 0.80, "protocol B test accuracy " + r.testAccuracy() + " < 0.80");
      assertEquals(Set.of("fc.weight", "fc.bias"), r.trainedParameters());
      assertEquals(50, r.history().size());
      assertTrue(r.history().get(49).loss() < r.history().get(0).loss() / 4, "loss falls");
      for (String frozen : new String[] {"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"}) {
        assertArrayEquals(original.graph().initializers().get(frozen).toFloatArray(),
            m.graph().initializers().get(frozen).toFloatArray(), 0f, frozen + " is frozen");
      }
      assertEquals(Shape.of(10, 512), m.graph().initializers().get("fc.weight").shape());
    }
  }

  @Test
  void headReplacementCopiesOldRowsAndZeroesNewOnes() {
    try (TensorScope scope = TensorScope.open();
        Model m = OnnxImporter.load(modelFile());
        Session original = Session.open(modelFile(), SessionOptions.defaults().withDevice("ref"))) {
      HeadReplacement.replace(m.graph(), 10);
      TrainGraph g = new TrainGraph(m.graph(), m.opset(), TrainingKernels.forDevice("ref"), Set.of("fc.weight"),
          Set.of());
      Dataset test = protocolB().test();
      int[] shape = {1, 8, 8};
      for (int i = 0; i < 5; i++) {
        HeapTensor x = test.batch(new int[] {i}, shape);
        float[] expected = original.run(Map.of("input", Tensor.ofFloats(Shape.of(1, 1, 8, 8), x.data())))
            .get("logits").toFloatArray();
        float[] actual = g.forward(Map.of("input", x), false, false).value("logits").data();
        assertEquals(10, actual.length);
        for (int k = 0; k < 5; k++) {
          assertEquals(expected[k], actual[k], 1e-4f * Math.max(1, Math.abs(expected[k])), "old class " + k);
        }
        for (int k = 5; k < 10; k++) {
          assertEquals(0f, actual[k], 0f, "new class " + k + " scores zero before training");
        }
      }
    }
  }

  @Test
  void exportedModelGivesTheSameOutputsInOnnxRuntime() {
    Path out = tmp.resolve("tuned.onnx");
    DataSplit data = protocolB();
    try (TensorScope scope = TensorScope.open(); Model m = OnnxImporter.load(modelFile());
        FineTuner tuner = new FineTuner(m, config("cpu", 10), null)) {
      tuner.run(data);
      TunedModels.export(m, out);
      try (Session ort = Session.open(out, SessionOptions.defaults().withDevice("ort"))) {
        for (int i = 0; i < 40; i++) {
          HeapTensor x = data.test().batch(new int[] {i}, new int[] {1, 8, 8});
          float[] ours = tuner.trainGraph().forward(Map.of("input", x), false, false).value("logits").data();
          float[] theirs = ort.run(Map.of("input", Tensor.ofFloats(Shape.of(1, 1, 8, 8), x.data())))
              .get("logits").toFloatArray();
          assertEquals(10, theirs.length);
          for (int k = 0; k < 10; k++) {
            assertEquals(ours[k], theirs[k], 1e-4f * Math.max(1, Math.abs(ours[k])), "sample " + i + " class " + k);
          }
        }
      }
    }
  }

  @Test
  void deterministicUnderASeed() {
    DataSplit data = protocolB();
    float[] a = tunedHead(config("cpu", 4).withOptimizer("sgd", 0.9, true, 1e-4), data);
    float[] b = tunedHead(config("cpu", 4).withOptimizer("sgd", 0.9, true, 1e-4), data);
    float[] c = tunedHead(config("cpu", 4).withOptimizer("sgd", 0.9, true, 1e-4).withSeed(7), data);
    assertArrayEquals(a, b, 0f, "same seed, same parameters bit for bit");
    assertFalse(java.util.Arrays.equals(a, c), "another seed shuffles differently");
  }

  @Test
  void cachingTheFrozenFeaturesChangesNothingButTheTime() {
    DataSplit data = protocolB();
    float[] cached = tunedHead(config("ref", 3).withOptimizer("sgd", 0.9, false, 0), data);
    float[] recomputed = tunedHead(config("ref", 3).withOptimizer("sgd", 0.9, false, 0).withFeatureCacheBytes(0),
        data);
    assertArrayEquals(recomputed, cached, 1e-6f);
    try (Model m = OnnxImporter.load(modelFile())) {
      FineTuner.Result r = tune(m, config("cpu", 1), null, data);
      assertTrue(r.featureCacheSeconds() > 0, "the frozen convolutions were cached");
    }
  }

  @Test
  void refAndCpuTrainTheSameModel() {
    DataSplit data = protocolB();
    float[] ref = tunedHead(config("ref", 3).withOptimizer("adam", 0, false, 0), data);
    float[] cpu = tunedHead(config("cpu", 3).withOptimizer("adam", 0, false, 0), data);
    CpuMatchesReferenceTest.assertClose("fc.weight after 3 epochs of Adam", new HeapTensor(ref, new int[] {ref.length}),
        new HeapTensor(cpu, new int[] {cpu.length}));
  }

  @Test
  void aKilledRunResumesFromItsLastCheckpoint() throws Exception {
    DataSplit data = protocolB();
    Path dir = tmp.resolve("ckpt");
    FineTuneConfig cfg = config("cpu", 6).withOptimizer("adam", 0, false, 0).withCheckpoints(dir, true);
    float[] uninterrupted = tunedHead(config("cpu", 6).withOptimizer("adam", 0, false, 0), data);
    class Killed extends RuntimeException {}
    try (Model m = OnnxImporter.load(modelFile())) {
      FineTuner.Listener killAfterThree = new FineTuner.Listener() {
        @Override
        public void epochDone(FineTuner.EpochStats s) {
          if (s.epoch() == 2) {
            throw new Killed();  // the process dies here: after epoch 3's checkpoint, before epoch 4
          }
        }
      };
      assertThrows(Killed.class, () -> tune(m, cfg, killAfterThree, data));
    }
    assertTrue(Files.exists(Checkpoint.fileFor(dir, 3)));
    try (Model m = OnnxImporter.load(modelFile())) {
      FineTuner.Result r = tune(m, cfg, null, data);
      assertEquals(3, r.resumedFromEpoch());
      assertEquals(6, r.history().size());
      assertArrayEquals(uninterrupted, m.graph().initializers().get("fc.weight").toFloatArray(), 0f,
          "resumed run ends where the uninterrupted one does");
    }
    // a resume with other settings is refused, not silently mixed
    try (Model m = OnnxImporter.load(modelFile())) {
      FineTuneConfig other = cfg.withSeed(99);
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> tune(m, other, null, data));
      assertTrue(e.getMessage().contains("another run"), e.getMessage());
    }
    assertNotNull(Checkpoint.latest(dir));
  }

  @Test
  void badSettingsAreRefusedWithTheirName() {
    DataSplit data = protocolB();
    try (Model m = OnnxImporter.load(modelFile())) {
      EdgewiseException e = assertThrows(EdgewiseException.class,
          () -> tune(m, config("cpu", 1).withFreezing(Freezing.until("/nope")), null, data));
      assertTrue(e.getMessage().contains("/nope") && e.getMessage().contains("/conv1/Conv"), e.getMessage());
    }
    try (Model m = OnnxImporter.load(modelFile())) {
      EdgewiseException e = assertThrows(EdgewiseException.class,
          () -> tune(m, FineTuneConfig.defaults("cpu", 1, 0.05), null, data));
      assertTrue(e.getMessage().contains("--replace-head 10"), "labels 5-9 do not fit a 5-class head: " + e.getMessage());
    }
    try (Model m = OnnxImporter.load(modelFile())) {
      EdgewiseException e = assertThrows(EdgewiseException.class,
          () -> tune(m, config("opencl:99", 1), null, data));
      assertEquals(EdgewiseException.ErrorCode.NOT_FOUND, e.code());
      assertTrue(e.getMessage().contains("opencl:99"), e.getMessage());
    }
  }

  /** One run, its device released afterwards. */
  static FineTuner.Result tune(Model m, FineTuneConfig cfg, FineTuner.Listener listener, DataSplit data) {
    try (FineTuner tuner = new FineTuner(m, cfg, listener)) {
      return tuner.run(data);
    }
  }

  private static float[] tunedHead(FineTuneConfig cfg, DataSplit data) {
    try (Model m = OnnxImporter.load(modelFile())) {
      tune(m, cfg, null, data);
      return m.graph().initializers().get("fc.weight").toFloatArray();
    }
  }
}

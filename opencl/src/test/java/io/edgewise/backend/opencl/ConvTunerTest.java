package io.edgewise.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Executable;
import io.edgewise.backend.reference.ReferenceBackend;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tuner and the tuning database: what is tuned is saved, read at session start, and used. */
class ConvTunerTest {
  @TempDir
  Path dir;

  @Test
  void tunerVerifiesMeasuresAndSavesTheWinner() {
    ClDevice d = ClTestDevices.first();
    ConvProblem p = ConvProblem.same(1, 8, 20, 20, 8, 3, 1, 1);
    ClTuningDb db = ClTuningDb.load(dir.resolve("tuning.json"));
    assertNull(db.lookup(d, p, p.algorithm(d.type())), "nothing tuned yet");
    try (ClContext ctx = ClContext.create(d)) {
      ClPrograms programs = new ClPrograms(ctx, ClProgramCache.defaultCache());
      // a zero budget still measures the default: the tuned result is never worse than it
      List<ConvTuner.Result> r = new ConvTuner(programs, db, 3).tune(List.of(p), 0, line -> { });
      assertEquals(1, r.size());
      assertEquals(TileParams.defaults(d, r.get(0).algorithm(), p), r.get(0).best());
      assertTrue(r.get(0).bestGflops() > 0 && r.get(0).rejected() == 0, r.toString());
    }
    db.save();
    ClTuningDb reread = ClTuningDb.load(dir.resolve("tuning.json"));
    assertEquals(db.lookup(d, p, p.algorithm(d.type())), reread.lookup(d, p, p.algorithm(d.type())));
    assertEquals(1, reread.entries(d).size());
  }

  @Test
  void sessionsUseTheTunedParametersAndDefaultsElsewhere() {
    ClDevice d = ClTestDevices.first();
    Path modelDir = TestData.model("digits_cnn_0to9");
    Path dbFile = dir.resolve("tuning.json");
    TileParams tuned;
    ConvProblem first;
    try (Model m = OnnxImporter.load(modelDir.resolve("model.onnx"))) {
      first = ConvProblems.of(m).keySet().iterator().next();
    }
    ConvAlgorithm alg = first.algorithm(d.type());
    TileParams defaults = TileParams.defaults(d, alg, first);
    tuned = alg == ConvAlgorithm.DIRECT_VEC ? new TileParams(2, 1, 4, false, 1) : new TileParams(2, 1, 8, false, 4);
    ClTuningDb db = ClTuningDb.load(dbFile);
    db.put(new ClTuningDb.Entry(d.compilerIdentity(), first.key(), alg.name(), tuned.rows(), tuned.cols(), tuned.lx(),
        tuned.local(), tuned.block(), 1, 1, 1, Instant.now().toString()));
    db.save();

    try (OpenClBackend backend = new OpenClBackend(d.index(), ClOptions.defaults().withTuningDb(dbFile));
         Model m = OnnxImporter.load(modelDir.resolve("model.onnx"));
         Model refModel = OnnxImporter.load(modelDir.resolve("model.onnx"));
         Tensor x = TensorProtos.readFile(modelDir.resolve("test_data_set_0/input_0.pb"))) {
      assertEquals(tuned, backend.tuning().lookup(d, first, alg), "the Java API reads the tuned parameters");
      String input = m.graph().inputs().get(0).name();
      try (Executable exe = backend.compile(m, BackendOptions.defaults());
           Executable ref = new ReferenceBackend().compile(refModel, BackendOptions.defaults())) {
        Map<String, Tensor> got = exe.run(Map.of(input, x));
        Map<String, Tensor> want = ref.run(Map.of(input, x));
        try {
          float[] g = got.values().iterator().next().toFloatArray();
          float[] w = want.values().iterator().next().toFloatArray();
          for (int i = 0; i < w.length; i++) {
            assertEquals(w[i], g[i], 1e-3 * (1 + Math.abs(w[i])), "logit " + i);
          }
        } finally {
          got.values().forEach(Tensor::close);
          want.values().forEach(Tensor::close);
        }
        Map<String, ClConvolution> convs = ((ClExecutable) exe).convolutions();
        assertTrue(convs.size() >= 2, "convolutions planned: " + convs.keySet());
        for (ClConvolution c : convs.values()) {
          TileParams expected = c.problem().equals(first) ? tuned : TileParams.defaults(d, c.algorithm(), c.problem());
          assertEquals(expected, c.tiles(), c.problem().key());
        }
        assertTrue(!tuned.equals(defaults), "the test tunes away from the default");
      }
    }
  }
}

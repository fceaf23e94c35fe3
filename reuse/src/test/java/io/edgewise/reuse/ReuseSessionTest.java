package io.edgewise.reuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.train.LabeledSamples;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reuse sessions on the digits CNN, checked against a plain session of the same model on the reference device. */
class ReuseSessionTest {
  @TempDir
  Path dir;

  static Path model() {
    return TestData.model("digits_cnn_0to9").resolve("model.onnx");
  }

  static LabeledSamples digits() {
    Path d = TestData.root().resolve("digits");
    return LabeledSamples.load(d, d.resolve("split_seed0.json"));
  }

  static Tensor image(float[] x) {
    return Tensor.ofFloats(Shape.of(1, 1, 8, 8), x);
  }

  /**
   * After calibration, repeats hit; a hit returns the stored outputs (bit-exact with the model when the neighbour
   * is the same image) and its label agrees with the model's at the 95% target.
   */
  @Test
  void repeatsHitAndAgreeWithTheModel() {
    LabeledSamples data = digits();
    ReuseOptions ro = ReuseOptions.defaults().withAuditRate(0).withMinCalibrationSamples(10);
    try (ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults());
        ReuseSession rs = ReuseSession.open(model(), SessionOptions.defaults(), ro, store);
        Session plain = Session.open(model(), SessionOptions.defaults())) {
      // each of 80 samples three times: misses feed calibration, then repeats (and look-alikes) hit
      for (int i = 0; i < 80; i++) {
        for (int rep = 0; rep < 3; rep++) {
          try (Tensor x = image(data.x()[i]); ReuseResult r = rs.run(Map.of("input", x))) {
            assertEquals(r.hit() ? "hit" : "miss", r.metadata().get("reuse"));
          }
        }
      }
      assertTrue(rs.thresholds().radius() > 0, "calibrated to reuse: " + rs.thresholds());
      int hits = 0;
      int agree = 0;
      int exact = 0;
      for (int i = 0; i < 40; i++) {
        try (Tensor x = image(data.x()[i]); ReuseResult r = rs.run(Map.of("input", x))) {
          Map<String, Tensor> expected = plain.run(Map.of("input", x));
          try {
            float[] e = expected.get("logits").toFloatArray();
            float[] a = r.outputs().get("logits").toFloatArray();
            if (argmax(e) == argmax(a)) {
              agree++;
            }
            if (r.hit()) {
              hits++;
              assertEquals(0, r.computeNanos());
              assertEquals("local", r.hitInfo().origin());
              if (r.hitInfo().distance() < 1e-2) {
                exact++;
                assertArrayEquals(e, a, "sample " + i + " reused from the same image (" + r.metadata() + ")");
              }
            } else {
              assertArrayEquals(e, a, "sample " + i + " computed");
            }
          } finally {
            expected.values().forEach(Tensor::close);
          }
        }
      }
      assertTrue(hits >= 36, hits + " of 40 repeats hit");
      assertTrue(exact > 0, "some hits are the same image");
      assertTrue(agree >= 38, agree + " of 40 agree with the model");
      double counted = rs.metrics().get("edgewise.reuse.requests").tag("outcome", "hit").counter().count();
      assertTrue(counted >= hits, "hits are counted in the metrics: " + counted);
      store.flush();
      assertTrue(store.stats().totalHits() >= hits);
    }
  }

  static int argmax(float[] v) {
    int b = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[b]) {
        b = i;
      }
    }
    return b;
  }

  /** A tap at the backbone's output (Flatten, 512 values): head + tail compute exactly what the whole model does. */
  @Test
  void intermediateTapSplitsTheModelWithoutChangingItsResults() {
    LabeledSamples data = digits();
    ReuseOptions ro = ReuseOptions.defaults().withTap("/Flatten_output_0");
    try (ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults());
        ReuseSession rs = ReuseSession.open(model(), SessionOptions.defaults(), ro, store);
        Session plain = Session.open(model(), SessionOptions.defaults())) {
      for (int i = 0; i < 10; i++) {
        try (Tensor x = image(data.x()[i]); ReuseResult r = rs.run(Map.of("input", x))) {
          assertFalse(r.hit(), "too few samples to calibrate: no reuse yet");
          assertTrue(r.headNanos() > 0);
          Map<String, Tensor> expected = plain.run(Map.of("input", x));
          try {
            float[] e = expected.get("logits").toFloatArray();
            float[] a = r.outputs().get("logits").toFloatArray();
            for (int k = 0; k < e.length; k++) {
              assertEquals(e[k], a[k], 1e-4 * Math.abs(e[k]) + 1e-5, "sample " + i + " logit " + k);
            }
          } finally {
            expected.values().forEach(Tensor::close);
          }
        }
      }
      Namespace ns = store.findNamespace(rs.modelHash(), "/Flatten_output_0").orElseThrow();
      assertEquals(512, ns.dim());
      assertEquals(10, store.stats().entries());
    }
  }

  /**
   * A tap that is not a cut of the graph (a later node also reads a value computed before the tap) is refused with
   * the node and value named: skipping the tail would otherwise lose that value.
   */
  @Test
  void tapThatIsNotACutIsRefused() {
    Path altered = dir.resolve("skip.onnx");
    try (io.edgewise.model.Model m = io.edgewise.model.onnx.OnnxImporter.load(model())) {
      m.graph().nodes().add(new io.edgewise.model.Node("skip", "Identity", List.of("/Relu_output_0"),
          List.of("skip_out")));
      m.graph().outputs().add(io.edgewise.model.ValueInfo.tensor("skip_out", io.edgewise.tensor.DType.FLOAT32));
      io.edgewise.model.onnx.OnnxExporter.save(m, altered);
    }
    try (ReuseStore store = ReuseStore.open(dir.resolve("store"), ReuseStoreOptions.defaults())) {
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> ReuseSession.open(altered,
          SessionOptions.defaults(), ReuseOptions.defaults().withTap("/Flatten_output_0"), store));
      assertTrue(e.getMessage().contains("not a cut") && e.getMessage().contains("/Relu_output_0"), e.getMessage());
    }
  }

  @Test
  void unknownTapIsAClearError() {
    Path model = model();  // outside assertThrows: without the shared data the test is skipped, not failed
    try (ReuseStore store = ReuseStore.open(dir, ReuseStoreOptions.defaults())) {
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> ReuseSession.open(model,
          SessionOptions.defaults(), ReuseOptions.defaults().withTap("no_such_tensor"), store));
      assertEquals(EdgewiseException.ErrorCode.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage().contains("no_such_tensor"), e.getMessage());
    }
  }
}

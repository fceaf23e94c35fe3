package io.edgewise.bench.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.TestData;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.client.BudgetedCall;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.train.DataSplit;
import io.edgewise.train.Dataset;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The loopback experiment's bookkeeping against a direct run: two "variants" that are the same digits CNN ("a"
 * configured at accuracy 0.98, "b" at 0.90), a link of no delay and an SLA of a minute, so that every answer is on
 * time, MDInference and greedy both pick "a", and the fallback (standby) never answers; the measured accuracy must
 * equal the fraction of the drawn test samples that a direct ref session gets right. No timing decides an assertion.
 */
class BudgetLoopbackTest {
  @Test
  void accuracyAndChoicesMatchADirectRunOfTheSameSamples() throws Exception {
    Path model = TestData.model("digits_cnn_0to9").resolve("model.onnx");
    Dataset test = DataSplit.load(TestData.root().resolve("digits"), null, DataSplit.Protocol.A, 0).test();
    int requests = 6;
    long seed = 3;
    BudgetLoopback b = new BudgetLoopback("g", List.of(new BudgetLoopback.Variant("a", model, 0.98),
        new BudgetLoopback.Variant("b", model, 0.90)), "ref", test, 2, 1000, BudgetedCall.Mode.STANDBY, m -> { });
    List<BudgetLoopback.Row> rows = b.run(List.of(new BudgetSimulation.Link("none", 0, 0)), new double[] {60_000},
        requests, seed);

    // the oracle: the same draws as each device (sample, then round trip), run directly
    Random rnd = new Random(seed);
    int right = 0;
    try (Session s = Session.open(model, SessionOptions.defaults().withDevice("ref"))) {
      for (int i = 0; i < requests; i++) {
        int sample = rnd.nextInt(test.size());
        rnd.nextGaussian();
        try (Tensor x = Tensor.ofFloats(Shape.of(1, 1, 8, 8), test.batch(new int[] {sample}, new int[] {1, 8, 8})
            .data())) {
          Map<String, Tensor> out = s.run(Map.of(s.inputs().get(0).name(), x));
          float[] y = out.values().iterator().next().toFloatArray();
          out.values().forEach(Tensor::close);
          int best = 0;
          for (int c = 1; c < y.length; c++) {
            best = y[c] > y[best] ? c : best;
          }
          right += best == test.labels()[sample] ? 1 : 0;
        }
      }
    }
    assertEquals(List.of("static:a", "static:b", "greedy", "mdinference", "mdinference+fallback"),
        rows.stream().map(BudgetLoopback.Row::policy).toList());
    for (BudgetLoopback.Row r : rows) {
      assertEquals(1.0, r.slaAttainment(), 0, r.toString());
      assertEquals(right / (double) requests, r.accuracy(), 1e-12, r.toString());
      assertEquals(0, r.localShare(), 0, r.toString());
    }
    assertEquals(Map.of("a", requests), rows.get(0).served());
    assertEquals(Map.of("b", requests), rows.get(1).served());
    assertEquals(Map.of("a", requests), rows.get(2).served(), "greedy: the more accurate fits a minute");
    assertEquals(Map.of("a", requests), rows.get(3).served(), "MDInference: the same");
    assertEquals(Map.of("a", requests), rows.get(4).served(), "the server answers within the minute");
  }
}

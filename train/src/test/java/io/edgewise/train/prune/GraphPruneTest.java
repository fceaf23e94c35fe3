package io.edgewise.train.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.cpu.TestGraphs;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A residual Add, a Concat, a depthwise Conv and a Gemm after GlobalAveragePool + Flatten, built from the core test
 * fixtures: the convolutions whose outputs are added lose the same channels, the Concat's second operand's channels
 * shift by the first's count, the depthwise conv follows the Concat, and the pruned model computes what the original
 * computes with the pruned channels zeroed at their source (filters, biases, and the batch norms' scale and shift,
 * so that each removed channel is exactly 0 everywhere downstream), on the ref device.
 */
class GraphPruneTest {
  /**
   * x[1,3,8,8] -> c1(8) -> bn1 -> r1 -> c2(8) -> bn2 -> a = bn2 + r1 (residual); r1 -> c3(6) -> r3;
   * cat = Concat(a, r3) (14) -> dw (depthwise, 14) -> r4 -> c5(10) -> r5 -> gap -> flat -> Gemm(4) = y.
   */
  static Model residualConcatModel(long seed) {
    Random rnd = new Random(seed);
    Graph g = new Graph("residual_concat");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1, 3, 8, 8)));
    TestGraphs.conv(g, rnd, "c1", "x", 8, 3, 3, 1, 1, 1, 1, true);
    TestGraphs.batchNorm(g, rnd, "bn1", "c1", 8);
    g.nodes().add(new Node("r1", "Relu", List.of("bn1"), List.of("r1")));
    TestGraphs.conv(g, rnd, "c2", "r1", 8, 8, 3, 1, 1, 1, 1, true);
    TestGraphs.batchNorm(g, rnd, "bn2", "c2", 8);
    g.nodes().add(new Node("a", "Add", List.of("bn2", "r1"), List.of("a")));
    TestGraphs.conv(g, rnd, "c3", "r1", 6, 8, 1, 1, 1, 0, 1, true);
    g.nodes().add(new Node("r3", "Relu", List.of("c3"), List.of("r3")));
    Node cat = new Node("cat", "Concat", List.of("a", "r3"), List.of("cat"));
    cat.setAttr(Attribute.ofInt("axis", 1));
    g.nodes().add(cat);
    TestGraphs.conv(g, rnd, "dw", "cat", 14, 1, 3, 1, 1, 1, 14, true);
    g.nodes().add(new Node("r4", "Relu", List.of("dw"), List.of("r4")));
    TestGraphs.conv(g, rnd, "c5", "r4", 10, 14, 3, 2, 1, 1, 1, true);
    g.nodes().add(new Node("r5", "Relu", List.of("c5"), List.of("r5")));
    g.nodes().add(new Node("gap", "GlobalAveragePool", List.of("r5"), List.of("gap")));
    g.nodes().add(new Node("flat", "Flatten", List.of("gap"), List.of("flat")));
    g.initializers().put("fc.w", TestGraphs.random(rnd, Shape.of(4, 10)));
    g.initializers().put("fc.b", TestGraphs.random(rnd, Shape.of(4)));
    Node fc = new Node("fc", "Gemm", List.of("flat", "fc.w", "fc.b"), List.of("y"));
    fc.setAttr(Attribute.ofInt("transB", 1));
    g.nodes().add(fc);
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, 4)));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  @Test
  void residualAndConcatChannelsStayConsistentAndTheOutputsMatchTheZeroedOriginal() {
    try (TensorScope scope = TensorScope.open(); Model m = residualConcatModel(1);
        PruneResult r = ChannelPruner.prune(m, 0.5)) {
      ChannelRanking ranking = ChannelRanking.of(m);
      assertEquals(List.of("c1", "c2", "c3", "c5"), ranking.prunableConvs());
      assertEquals(List.of("c1", "c2"), ranking.sharedWith("c2"));
      int[] k1 = r.conv("c1").kept();
      int[] k3 = r.conv("c3").kept();
      int[] k5 = r.conv("c5").kept();
      assertArrayEquals(k1, r.conv("c2").kept(), "the residual Add's operands share one mask");
      assertArrayEquals(topBySummedL1(m, 4, "c1.w", "c2.w"), k1);
      assertArrayEquals(DigitsPruneTest.topByL1(m.graph().initializers().get("c3.w"), 3), k3);
      assertArrayEquals(DigitsPruneTest.topByL1(m.graph().initializers().get("c5.w"), 5), k5);
      int[] dw = new int[k1.length + k3.length];
      for (int i = 0; i < k1.length; i++) {
        dw[i] = k1[i];
      }
      for (int i = 0; i < k3.length; i++) {
        dw[k1.length + i] = 8 + k3[i];  // r3's channels start after a's 8 in the Concat
      }
      assertArrayEquals(dw, r.conv("dw").kept(), "the depthwise conv follows the Concat");
      Graph pg = r.model().graph();
      assertEquals(Shape.of(4, 3, 3, 3), pg.initializers().get("c1.w").shape());
      assertEquals(Shape.of(4, 4, 3, 3), pg.initializers().get("c2.w").shape());
      assertEquals(Shape.of(3, 4, 1, 1), pg.initializers().get("c3.w").shape());
      assertEquals(Shape.of(7, 1, 3, 3), pg.initializers().get("dw.w").shape());
      assertEquals(Shape.of(5, 7, 3, 3), pg.initializers().get("c5.w").shape());
      assertEquals(Shape.of(4, 5), pg.initializers().get("fc.w").shape());
      assertEquals(Shape.of(4), pg.initializers().get("bn2.var").shape());
      assertEquals(7, pg.nodes().stream().filter(n -> n.label().equals("dw")).findFirst().orElseThrow()
          .attrInt("group", 0));

      Model zeroed = residualConcatModel(1);
      zero(zeroed, k1, "c1.w", "c1.b", "bn1.scale", "bn1.b", "c2.w", "c2.b", "bn2.scale", "bn2.b");
      zero(zeroed, k3, "c3.w", "c3.b");
      zero(zeroed, dw, "dw.b");
      zero(zeroed, k5, "c5.w", "c5.b");
      assertOutputsMatch(zeroed, r.model(), residualConcatModel(1), 5);
    }
  }

  @Test
  void aRankingOfAnotherModelIsRefused() {
    try (Model m = residualConcatModel(1); Model other = DigitsPruneTest.copy(m)) {
      other.graph().nodes().removeIf(n -> n.label().equals("fc"));
      other.graph().outputs().set(0, ValueInfo.tensor("flat", DType.FLOAT32));
      ChannelRanking ranking = ChannelRanking.of(other);  // c5 now reaches the output: grouped differently
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> ChannelPruner.prune(m, ranking, 0.5));
      assertTrue(e.getMessage().contains("another model"), e.getMessage());
    }
  }

  /** Runs the oracle (zeroed original), the pruned model and the untouched original on the same random inputs. */
  static void assertOutputsMatch(Model zeroed, Model pruned, Model original, int samples) {
    SessionOptions ref = SessionOptions.defaults().withDevice("ref").withOptimize(false);
    Random rnd = new Random(7);
    Shape in = original.graph().inputs().get(0).concreteShape();
    String input = original.graph().inputs().get(0).name();
    String output = original.graph().outputs().get(0).name();
    try (Session oracle = Session.open(zeroed, ref); Session p = Session.open(DigitsPruneTest.copy(pruned), ref);
        Session o = Session.open(original, ref)) {
      double changed = 0;
      for (int s = 0; s < samples; s++) {
        Map<String, Tensor> x = Map.of(input, TestGraphs.random(rnd, in, 1f));
        float[] expected = oracle.run(x).get(output).toFloatArray();
        float[] actual = p.run(x).get(output).toFloatArray();
        float[] full = o.run(x).get(output).toFloatArray();
        double max = 0;
        for (float v : expected) {
          max = Math.max(max, Math.abs(v));
        }
        for (int k = 0; k < expected.length; k++) {
          assertEquals(expected[k], actual[k], 1e-5 * Math.max(1, max), "sample " + s + " output " + k);
          changed = Math.max(changed, Math.abs(full[k] - expected[k]));
        }
      }
      assertTrue(changed > 1e-3, "the pruned channels mattered to the original's outputs: " + changed);
    }
  }

  /** Zeroes, along axis 0 of each named initializer, every index not in kept. */
  static void zero(Model m, int[] kept, String... names) {
    for (String name : names) {
      Tensor t = m.graph().initializers().get(name);
      float[] v = t.toFloatArray();
      int rows = (int) t.shape().dim(0);
      int per = v.length / rows;
      for (int c = 0; c < rows; c++) {
        if (Arrays.binarySearch(kept, c) < 0) {
          Arrays.fill(v, c * per, (c + 1) * per, 0f);
        }
      }
      t.setFloats(v);
    }
  }

  /** The k channels whose filters' L1 norms, summed over the named weights, are largest; ascending. */
  static int[] topBySummedL1(Model m, int k, String... weights) {
    double[] sum = null;
    for (String w : weights) {
      Tensor t = m.graph().initializers().get(w);
      float[] v = t.toFloatArray();
      int rows = (int) t.shape().dim(0);
      int per = v.length / rows;
      sum = sum == null ? new double[rows] : sum;
      for (int c = 0; c < rows; c++) {
        for (int i = 0; i < per; i++) {
          sum[c] += Math.abs(v[c * per + i]);
        }
      }
    }
    double[] s = sum;
    List<Integer> idx = new ArrayList<>();
    for (int c = 0; c < s.length; c++) {
      idx.add(c);
    }
    idx.sort((a, b) -> s[a] != s[b] ? Double.compare(s[b], s[a]) : a - b);
    return idx.subList(0, k).stream().mapToInt(Integer::intValue).sorted().toArray();
  }
}

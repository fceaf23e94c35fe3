package io.edgewise.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.NativeLeakGuard;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cpu device's Gemm against the reference backend for every way C broadcasts into [m, n]: a bias per column
 * ([n], [1, n]: copied row by row), a value per row ([m, 1], with m = n so a size check alone would take it for a
 * bias), a full matrix and a scalar.
 */
@ExtendWith(NativeLeakGuard.class)
class CpuGemmTest {
  private static final int M = 5;
  private static final int N = 5;
  private static final int K = 7;

  @Test
  void everyShapeOfCMatchesTheReference() {
    for (int m : new int[] {1, M}) {
      for (long[] c : new long[][] {{N}, {1, N}, {m, 1}, {m, N}, {}}) {
        Random rnd = new Random(11);
        try (Tensor x = TestGraphs.random(rnd, Shape.of(m, K), 1f)) {
          float[] expected = SingleOutputRun.run(gemm(m, c), "ref", 1, x);  // a session owns its model: one each
          float[] actual = SingleOutputRun.run(gemm(m, c), "cpu", 1, x);
          assertEquals(expected.length, actual.length);
          for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4, "C " + Shape.of(c) + ", m = " + m + ", element " + i);
          }
        }
      }
    }
  }

  private static Model gemm(int m, long[] cShape) {
    Random rnd = new Random(7);
    Graph g = new Graph("gemm");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.of(m), Dim.of(K)), null));
    g.initializers().put("w", TestGraphs.random(rnd, Shape.of(N, K), 1f));
    g.initializers().put("c", TestGraphs.random(rnd, Shape.of(cShape), 1f));
    Node n = new Node("gemm", "Gemm", List.of("x", "w", "c"), List.of("y"));
    n.setAttr(Attribute.ofInt("transB", 1));
    n.setAttr(Attribute.ofFloat("beta", 0.5f));
    g.nodes().add(n);
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, List.of(Dim.of(m), Dim.of(N)), null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

}

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

/** The cpu device's native LRN against the reference kernel: odd and even sizes, beta 0.75 and another, 3-D input. */
@ExtendWith(NativeLeakGuard.class)
class CpuLrnTest {
  @Test
  void matchesTheReference() {
    long[][] shapes = {{2, 7, 9, 11}, {1, 5, 13}};
    for (long[] dims : shapes) {
      for (int size : new int[] {2, 5}) {
        for (float beta : new float[] {0.75f, 0.6f}) {
          Random rnd = new Random(size);
          float[] v = new float[(int) Shape.of(dims).numElements()];
          for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian() * 2;
          }
          try (Tensor x = Tensor.ofFloats(Shape.of(dims), v)) {
            float[] expected = SingleOutputRun.run(lrn(dims, size, beta), "ref", 2, x);
            float[] actual = SingleOutputRun.run(lrn(dims, size, beta), "cpu", 2, x);
            for (int i = 0; i < expected.length; i++) {
              assertEquals(expected[i], actual[i], 1e-5 * (1 + Math.abs(expected[i])),
                  "size " + size + ", beta " + beta + ", " + Shape.of(dims) + ", element " + i);
            }
          }
        }
      }
    }
  }

  private static Model lrn(long[] dims, int size, float beta) {
    Graph g = new Graph("lrn");
    List<Dim> d = java.util.Arrays.stream(dims).mapToObj(Dim::of).toList();
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, d, null));
    Node n = new Node("lrn", "LRN", List.of("x"), List.of("y"));
    n.setAttr(Attribute.ofInt("size", size));
    n.setAttr(Attribute.ofFloat("alpha", 0.3f));
    n.setAttr(Attribute.ofFloat("beta", beta));
    n.setAttr(Attribute.ofFloat("bias", 1.5f));
    g.nodes().add(n);
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, d, null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }
}

package io.edgewise.backend.cpu;

import static io.edgewise.backend.cpu.TestGraphs.random;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.NativeLeakGuard;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Grouped convolutions on the cpu device against the reference: group widths that fill a block (4), span whole
 * blocks (80), need units of several blocks (24, 12: units of lcm(k, B) channels), and one whose channels are not
 * a whole number of units (stays on the NCHW kernels). Each checks which kernel ran.
 */
@ExtendWith(NativeLeakGuard.class)
class CpuGroupedConvTest {
  @Test
  void groupWidthsMatchTheReference() {
    int b = NativeCore.nchwcBlock();
    // {channels, channels per group, kernel}
    long[][] cases = {{32, 4, 3}, {160, 80, 1}, {96, 24, 3}, {48, 12, 3}, {120, 40, 3}};
    for (long[] cs : cases) {
      long c = cs[0];
      long k = cs[1];
      long unit = lcm(k, b);
      boolean blocked = c % unit == 0 && unit <= 4 * k;
      Random rnd = new Random(c + k);
      try (Tensor x = random(rnd, Shape.of(2, c, 9, 7))) {
        float[] expected = SingleOutputRun.run(model(c, k, (int) cs[2]), "ref", 2, x);
        Set<String> ops = new TreeSet<>();
        float[] actual = SingleOutputRun.run(model(c, k, (int) cs[2]), "cpu", 2, x, List.of("y"),
            Tensor::toFloatArray, ops).get("y");
        for (int i = 0; i < expected.length; i++) {
          assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, Math.abs(expected[i])),
              c + " channels in groups of " + k + ", element " + i);
        }
        assertEquals(blocked, ops.contains("NchwcGroupedConv"), c + " channels in groups of " + k + ": " + ops);
      }
    }
  }

  private static long lcm(long a, long b) {
    return a / java.math.BigInteger.valueOf(a).gcd(java.math.BigInteger.valueOf(b)).longValue() * b;
  }

  /** conv 1x1 (so the grouped conv reads a blocked value), then the grouped conv with bias. */
  private static Model model(long c, long k, int kernel) {
    Random rnd = new Random(11);
    Graph g = new Graph("grouped");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.of(2), Dim.of(c), Dim.of(9), Dim.of(7)), null));
    g.initializers().put("w1", random(rnd, Shape.of(c, c, 1, 1)));
    g.nodes().add(new Node("c1", "Conv", List.of("x", "w1"), List.of("h")));
    g.initializers().put("w2", random(rnd, Shape.of(c, k, kernel, kernel)));
    g.initializers().put("b2", random(rnd, Shape.of(c)));
    Node n = new Node("c2", "Conv", List.of("h", "w2", "b2"), List.of("y"));
    n.setAttr(Attribute.ofInt("group", c / k));
    n.setAttr(Attribute.ofInts("pads", kernel / 2, kernel / 2, kernel / 2, kernel / 2));
    g.nodes().add(n);
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

}

package io.edgewise.backend.cpu;

import static io.edgewise.backend.cpu.TestGraphs.conv;
import static io.edgewise.backend.cpu.TestGraphs.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * MnasNet-like inverted residual blocks whose channel counts are not whole blocks (24, 72, 40, 120) on maps big enough
 * (28x28, 14x14) that the native pool shares every convolution out (above its ~2 MFLOP threshold): 1x1 expansions,
 * 5x5 depthwise convolutions at strides 1 and 2, 1x1 projections with a residual, and a last 5x5 depthwise layer on a
 * map small enough (14x14) that its rows run from a column-padded copy. The partial last input block of each 1x1
 * convolution (8 of 16 lanes for 24, 40 and 72 channels) is summed over its real channels only. At 1, 2 and 3 threads the pool hands
 * the tasks out in runs of varying length (guided claims); a task lost or run against the wrong region would leave
 * part of the output wrong. The reference backend is the oracle, and the cpu outputs at the three thread counts must
 * be bit-identical (the split changes which thread runs a task, never a task's arithmetic).
 */
class CpuNarrowThreadsTest {
  @Test
  void narrowInvertedResidualsMatchTheReferenceAtOneTwoAndThreeThreads() {
    Random rnd = new Random(11);
    try (Tensor x = random(rnd, Shape.of(1, 24, 28, 28))) {
      // a model per session: opening one rewrites its graph (fusions)
      float[] expected = SingleOutputRun.run(network(), "ref", 1, x);
      // relative to the output's largest value, not to each value's own: after six layers the blocked kernels and the
      // reference's plain loops, rounding in different orders, differed by 2e-4 on a value of -1.998 at one thread
      float scale = 1;
      for (float e : expected) {
        scale = Math.max(scale, Math.abs(e));
      }
      float[] first = null;
      for (int threads : new int[] {1, 2, 3}) {
        float[] actual = SingleOutputRun.run(network(), "cpu", threads, x);
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
          assertEquals(expected[i], actual[i], 1e-5 * scale,
              "y[" + i + "] at " + threads + " threads");
        }
        if (first == null) {
          first = actual;
        } else {
          assertArrayEquals(first, actual, "cpu at " + threads + " threads against 1 thread");
        }
      }
    }
  }

  private static Model network() {
    Random rnd = new Random(13);
    Graph g = new Graph("narrow");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.of(1), Dim.of(24), Dim.of(28), Dim.of(28)), null));
    // 24 -> 72 -> 5x5 depthwise -> 24, plus the input: 28x28
    invertedResidual(g, rnd, 1, "x", 24, 72, 5, 1, 24);
    g.nodes().add(new Node("a1", "Add", List.of("p1", "x"), List.of("a1")));
    // 24 -> 72 -> 5x5 depthwise, stride 2 -> 40: 14x14
    invertedResidual(g, rnd, 2, "a1", 24, 72, 5, 2, 40);
    // 40 -> 120 -> 3x3 depthwise -> 40, plus its input: 14x14
    invertedResidual(g, rnd, 3, "p2", 40, 120, 3, 1, 40);
    g.nodes().add(new Node("a3", "Add", List.of("p3", "p2"), List.of("a3")));
    // a 5x5 depthwise at 14x14 over 40 channels: 4 of 14 columns are border columns, so its rows run from a
    // column-padded copy (a row slice per task at 2 and 3 threads)
    conv(g, rnd, "y", "a3", 40, 1, 5, 1, 1, 2, 40, true);
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, List.of(Dim.of(1), Dim.of(40), Dim.of(14), Dim.of(14)), null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  /**
   * Block {@code b} without its residual: "e" b, a 1x1 expansion of {@code in} ({@code channels}) to {@code wide}
   * channels, Relu; "d" b, a k x k depthwise convolution at {@code stride} (padded to keep the size), Relu; "p" b, a
   * 1x1 projection to {@code out} channels. The weights are drawn from {@code rnd} in that order.
   */
  private static void invertedResidual(Graph g, Random rnd, int b, String in, int channels, int wide, int k,
      int stride, int out) {
    conv(g, rnd, "e" + b, in, wide, channels, 1, 1, 1, 0, 1, true);
    g.nodes().add(new Node("e" + b + "r", "Relu", List.of("e" + b), List.of("e" + b + "r")));
    conv(g, rnd, "d" + b, "e" + b + "r", wide, 1, k, stride, 1, k / 2, wide, true);
    g.nodes().add(new Node("d" + b + "r", "Relu", List.of("d" + b), List.of("d" + b + "r")));
    conv(g, rnd, "p" + b, "d" + b + "r", out, wide, 1, 1, 1, 0, 1, true);
  }
}

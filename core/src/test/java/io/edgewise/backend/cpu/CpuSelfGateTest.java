package io.edgewise.backend.cpu;

import static io.edgewise.backend.cpu.TestGraphs.batchNorm;
import static io.edgewise.backend.cpu.TestGraphs.conv;
import static io.edgewise.backend.cpu.TestGraphs.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * Activations written as a gate on their own input (SiLU as x * Sigmoid(x), HardSwish as x * HardSigmoid(x) and as
 * x * relu6(x + 3) / 6) after convolutions of every kind the cpu device runs (an RGB stem, depthwise, pointwise, dense
 * with a residual add, a grouped one on the NCHW kernels) are computed in the convolutions' epilogues, and after a
 * batch norm no convolution took in the batch norm's blocked pass: no gate or Mul pass runs, and the outputs match
 * the reference computing the gate and the Mul as written (unoptimized graph).
 */
@ExtendWith(NativeLeakGuard.class)
class CpuSelfGateTest {
  @Test
  void gatesAfterEveryConvolutionKindRunInTheEpilogueAndMatchTheReference() {
    Random rnd = new Random(17);
    try (Tensor x = random(rnd, Shape.of(2, 3, 19, 17))) {
      float[] expected = SingleOutputRun.unoptimizedReference(network(), x);
      for (int threads : new int[] {1, 2}) {
        Set<String> ops = new TreeSet<>();
        float[] actual = SingleOutputRun.run(network(), "cpu", threads, x, List.of("y"), Tensor::toFloatArray, ops)
            .get("y");
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
          assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, Math.abs(expected[i])),
              "y[" + i + "] at " + threads + " threads");
        }
        assertTrue(ops.contains("NchwcConv") && (ops.contains("FusedConv") || ops.contains("Conv")), ops.toString());
        for (String separate : List.of("Sigmoid", "HardSigmoid", "Mul", "NchwcMul", "BatchNormalization", "Clip",
            "Div")) {
          assertTrue(!ops.contains(separate), "a gate ran as a separate pass (" + separate + "): " + ops);
        }
      }
    }
  }

  @Test
  void aRelu6SqueezeExcitationGateIsOneBlockedHardSigmoid() {
    try (Tensor x = random(new Random(29), Shape.of(1, 24, 9, 11))) {
      float[] expected = SingleOutputRun.unoptimizedReference(seModel(), x);
      Set<String> ops = new TreeSet<>();
      float[] actual = SingleOutputRun.run(seModel(), "cpu", 1, x, List.of("y"), Tensor::toFloatArray, ops).get("y");
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, Math.abs(expected[i])), "y[" + i + "]");
      }
      // one blocked pass: the gate fused into the chain that scales x (NchwcElementwise), or a HardSigmoid and a Mul
      assertTrue(ops.contains(CpuElementwise.BLOCKED)
          || (ops.contains("NchwcChannelAffine") && ops.contains("NchwcMul")), ops.toString());
      for (String plain : List.of("Add", "Clip", "Div", "Mul")) {
        assertTrue(!ops.contains(plain), "the gate ran as plain ops (" + plain + "): " + ops);
      }
    }
  }

  /** conv, squeeze-and-excitation with h_sigmoid written relu6(x + 3) / 6 (the constant first), conv. */
  private static Model seModel() {
    Random rnd = new Random(23);
    Graph g = new Graph("se");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.of(1), Dim.of(24), Dim.of(9), Dim.of(11)), null));
    conv(g, rnd, "h", "x", 40, 24, 3, 1, 1, 1, 1, true);  // 40 channels: a partial block
    g.nodes().add(new Node("pool", "GlobalAveragePool", List.of("h"), List.of("pool")));
    conv(g, rnd, "squeeze", "pool", 8, 40, 1, 1, 1, 0, 1, true);
    conv(g, rnd, "excite", "squeeze", 40, 8, 1, 1, 1, 0, 1, true);
    g.initializers().put("three", Tensor.ofFloats(Shape.of(), 3f));
    g.initializers().put("zero", Tensor.ofFloats(Shape.of(), 0f));
    g.initializers().put("six", Tensor.ofFloats(Shape.of(), 6f));
    g.nodes().add(new Node("add3", "Add", List.of("three", "excite"), List.of("plus3")));
    g.nodes().add(new Node("relu6", "Clip", List.of("plus3", "zero", "six"), List.of("clipped")));
    g.nodes().add(new Node("div6", "Div", List.of("clipped", "six"), List.of("scale")));
    g.nodes().add(new Node("se", "Mul", List.of("scale", "h"), List.of("scaled")));
    conv(g, rnd, "y", "scaled", 16, 40, 1, 1, 1, 0, 1, true);
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  @Test
  void aBatchNormAndTheGateAfterItAreOneBlockedPass() {
    // the plan borrows the source's weights: closing the source closes them
    try (Model source = network()) {
      List<Node> affine = NchwcPlan.plan(source, NativeCore.nchwcBlock()).model().graph().nodes().stream()
          .filter(n -> n.opType().equals("NchwcChannelAffine")).toList();
      Node bn = affine.stream().filter(n -> n.inputs().size() == 5).findFirst().orElseThrow();
      assertEquals("bns#nchwc", bn.output(0), affine.toString());
      assertEquals("SiLU", bn.attrString("activation", ""));
      assertTrue(affine.stream().noneMatch(n -> n.output(0).equals("bn#nchwc")), affine.toString());
    }
  }

  private static Model network() {
    Random rnd = new Random(5);
    Graph g = new Graph("silu");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.of(2), Dim.of(3), Dim.of(19), Dim.of(17)), null));
    conv(g, rnd, "stem", "x", 20, 3, 3, 2, 1, 1, 1, true);  // the NCHW image in, 20 channels: a partial block
    silu(g, "stem", "s1", false);
    conv(g, rnd, "dw", "s1", 20, 1, 3, 1, 1, 1, 20, true);                 // depthwise
    hardSwish(g, "dw", "s2");                                     // x * HardSigmoid(x, 1/6, 0.5), Mul(gate, x)
    batchNorm(g, rnd, "bn", "s2", 20);                             // after an activation: not foldable
    silu(g, "bn", "bns", false);                                  // joins the batch norm's pass
    conv(g, rnd, "pw", "bns", 24, 20, 1, 1, 1, 0, 1, true);                // pointwise
    relu6HardSwish(g, "pw", "s3");                                // x * relu6(x + 3) / 6
    conv(g, rnd, "c3", "s3", 24, 24, 3, 1, 1, 1, 1, true);
    g.nodes().add(new Node("res", "Add", List.of("c3", "s3"), List.of("res")));
    silu(g, "res", "s4", false);                                  // after a residual add: fused with it
    conv(g, rnd, "gc", "s4", 10, 12, 3, 1, 1, 1, 2, true);  // 2 groups of 12: stays on the NCHW kernels
    silu(g, "gc", "y", true);
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  /** hardswish as hand-written h_swish modules export it: Add 3, Clip to [0, 6], Div by 6, Mul. */
  private static void relu6HardSwish(Graph g, String in, String out) {
    g.initializers().put(out + ".three", Tensor.ofFloats(Shape.of(), 3f));
    g.initializers().put(out + ".zero", Tensor.ofFloats(Shape.of(), 0f));
    g.initializers().put(out + ".six", Tensor.ofFloats(Shape.of(), 6f));
    g.nodes().add(new Node(out + ".add", "Add", List.of(in, out + ".three"), List.of(out + ".plus3")));
    g.nodes().add(new Node(out + ".clip", "Clip", List.of(out + ".plus3", out + ".zero", out + ".six"),
        List.of(out + ".relu6")));
    g.nodes().add(new Node(out + ".div", "Div", List.of(out + ".relu6", out + ".six"), List.of(out + ".gate")));
    g.nodes().add(new Node(out + ".mul", "Mul", List.of(in, out + ".gate"), List.of(out)));
  }

  private static void hardSwish(Graph g, String in, String out) {
    Node gate = new Node(out + ".hardsigmoid", "HardSigmoid", List.of(in), List.of(out + ".gate"));
    gate.setAttr(Attribute.ofFloat("alpha", 1f / 6));
    gate.setAttr(Attribute.ofFloat("beta", 0.5f));
    g.nodes().add(gate);
    g.nodes().add(new Node(out + ".mul", "Mul", List.of(out + ".gate", in), List.of(out)));
  }

  private static void silu(Graph g, String in, String out, boolean gateFirst) {
    g.nodes().add(new Node(out + ".sigmoid", "Sigmoid", List.of(in), List.of(out + ".gate")));
    g.nodes().add(new Node(out + ".mul", "Mul", gateFirst ? List.of(out + ".gate", in) : List.of(in, out + ".gate"),
        List.of(out)));
  }

}

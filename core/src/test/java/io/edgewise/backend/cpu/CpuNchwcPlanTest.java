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
 * The blocked-layout plan on a small network that has every case it handles: a first convolution reading the NCHW
 * image, ceil-mode max pooling, a residual block, a dilated depthwise convolution, a channel concat, padded average
 * pooling, a broadcasting add of two blocked values, a grouped convolution that stays NCHW, and a blocked value that
 * is also a graph output. Channel counts are not multiples of the block, except where a concat needs whole blocks.
 * Two images, so the concat of convolutions writes image by image. The reference backend is the oracle.
 */
@ExtendWith(NativeLeakGuard.class)
class CpuNchwcPlanTest {
  @Test
  void aMixedNetworkRunsBlockedAndMatchesTheReference() {
    Random rnd = new Random(3);
    try (Tensor x = random(rnd, Shape.of(2, 3, 17, 15))) {
      for (int threads : new int[] {1, 2}) {
        Map<String, float[]> expected = run("ref", threads, x, null);
        Set<String> ops = new TreeSet<>();
        Map<String, float[]> actual = run("cpu", threads, x, ops);
        for (String out : List.of("y", "res", "z")) {
          float[] e = expected.get(out);
          float[] a = actual.get(out);
          assertEquals(e.length, a.length, out);
          for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-4 * Math.max(1, Math.abs(e[i])), out + "[" + i + "] at " + threads + " threads");
          }
        }
        // the plan really ran blocked, converted back at its edges, and left the grouped convolution on NCHW
        // the concat of two convolutions read by nothing else runs them into its output (NchwcConcatConv); the
        // concat of a pooled value with itself copies (NchwcConcat)
        // the residual add with its ReLU and the gate's multiply are one fused chain each (NchwcElementwise)
        assertTrue(ops.containsAll(Set.of("NchwcConv", "NchwcPool", "NchwcConcat", "NchwcConcatConv",
            "NchwcGlobalAveragePool", "NchwcChannelAffine", "NchwcGroupedConv", "FromNchwc")), ops.toString());
        assertTrue(ops.containsAll(Set.of("NchwcAdd", "NchwcMul")) || ops.contains(CpuElementwise.BLOCKED),
            ops.toString());
        assertTrue(!ops.contains("BatchNormalization") && !ops.contains("Sigmoid") && !ops.contains("Mul")
            && !ops.contains("HardSigmoid"),
            ops.toString());
        assertTrue(ops.contains("Conv") || ops.contains("FusedConv"), "the grouped conv stays NCHW: " + ops);
      }
    }
  }

  @Test
  void aBatchNormAndTheReluAfterItBecomeOneBlockedNode() {
    // the plan borrows the source's weights: closing the source closes them
    try (Model source = network()) {
      NchwcPlan.Result r = NchwcPlan.plan(source, NativeCore.nchwcBlock());
      List<Node> affine = r.model().graph().nodes().stream().filter(n -> n.opType().equals("NchwcChannelAffine"))
          .toList();
      // one node computes bn and bnr (nothing computes bn alone); Sigmoid(res) is blocked though res is read twice
      assertTrue(affine.stream().noneMatch(n -> n.output(0).equals("bn#nchwc")), affine.toString());
      assertTrue(affine.stream().anyMatch(n -> n.output(0).equals("sg#nchwc")), affine.toString());
      Node bn = affine.stream().filter(n -> n.inputs().size() == 5).findFirst().orElseThrow();
      assertEquals("bnr#nchwc", bn.output(0));
      assertEquals("Relu", bn.attrString("activation", ""));
    }
  }

  @Test
  void blockSizeFollowsTheInstructionSet() {
    int block = NativeCore.nchwcBlock();
    assertEquals(NativeCore.nchwcIsa().equals("avx512") ? 16 : 8, block);
  }

  @Test
  void oneSessionFollowsTheImageSizeFromRunToRun() {
    // the blocked kernels keep each node's geometry while its input shape stays: a new size must replan it
    Random rnd = new Random(11);
    Graph g = new Graph("sizes");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32,
        List.of(Dim.of(1), Dim.of(16), Dim.symbol("h"), Dim.symbol("w")), null));
    conv(g, rnd, "c", "x", 32, 16, 3, 1, 1, 1, 1, true);
    Node pool = new Node("p", "MaxPool", List.of("c"), List.of("p"));
    pool.setAttr(Attribute.ofInts("kernel_shape", 3, 3));
    pool.setAttr(Attribute.ofInts("strides", 2, 2));
    g.nodes().add(pool);
    conv(g, rnd, "y", "p", 16, 32, 1, 1, 1, 0, 1, true);
    g.outputs().add(new ValueInfo("y", DType.FLOAT32,
        List.of(Dim.of(1), Dim.of(16), Dim.symbol("oh"), Dim.symbol("ow")), null));
    Model model = new Model(g, Map.of("", 13L), 8, "test", null, null);
    try (io.edgewise.runtime.Session cpu = io.edgewise.runtime.Session.open(model,
            io.edgewise.runtime.SessionOptions.defaults().withDevice("cpu"));
        io.edgewise.runtime.Session ref = io.edgewise.runtime.Session.open(model,
            io.edgewise.runtime.SessionOptions.defaults().withDevice("ref"))) {
      for (int[] size : new int[][] {{13, 11}, {9, 20}, {13, 11}}) {
        try (Tensor x = random(rnd, Shape.of(1, 16, size[0], size[1]))) {
          float[] e = first(ref.run(Map.of("x", x)));
          float[] a = first(cpu.run(Map.of("x", x)));
          assertEquals(e.length, a.length, size[0] + "x" + size[1]);
          for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-4 * Math.max(1, Math.abs(e[i])), size[0] + "x" + size[1] + " [" + i + "]");
          }
        }
      }
    }
  }

  private static float[] first(Map<String, Tensor> outputs) {
    float[] v = outputs.get("y").toFloatArray();
    outputs.values().forEach(Tensor::close);
    return v;
  }

  private static Map<String, float[]> run(String device, int threads, Tensor x, Set<String> ops) {
    return SingleOutputRun.run(network(), device, threads, x, List.of("y", "res", "z"), Tensor::toFloatArray, ops);
  }

  private static Model network() {
    Random rnd = new Random(5);
    Graph g = new Graph("nchwc");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.of(2), Dim.of(3), Dim.of(17), Dim.of(15)), null));
    conv(g, rnd, "c1", "x", 20, 3, 3, 2, 1, 1, 1, true);          // NCHW image in: [2, 20, 9, 8]
    g.nodes().add(new Node("r1", "Relu", List.of("c1"), List.of("r1")));
    Node pool = new Node("p1", "MaxPool", List.of("r1"), List.of("p1"));
    pool.setAttr(Attribute.ofInts("kernel_shape", 3, 3));
    pool.setAttr(Attribute.ofInts("strides", 2, 2));
    pool.setAttr(Attribute.ofInts("pads", 1, 1, 1, 1));
    pool.setAttr(Attribute.ofInt("ceil_mode", 1));
    g.nodes().add(pool);                                            // [2, 20, 5, 5]
    conv(g, rnd, "c2", "p1", 20, 20, 3, 1, 1, 1, 1, true);
    g.nodes().add(new Node("a2", "Add", List.of("c2", "p1"), List.of("a2")));
    g.nodes().add(new Node("res", "Relu", List.of("a2"), List.of("res")));  // a graph output too
    g.nodes().add(new Node("sg", "Sigmoid", List.of("res"), List.of("sg")));  // 20 channels: a partial block
    conv(g, rnd, "dw", "sg", 20, 1, 3, 1, 2, 2, 20, true);         // depthwise, dilation 2
    g.nodes().add(new Node("e1", "Relu", List.of("dw"), List.of("d")));
    conv(g, rnd, "x1", "d", 16, 20, 1, 1, 1, 0, 1, false);
    conv(g, rnd, "x3", "d", 16, 20, 3, 1, 1, 1, 1, true);
    Node cat = new Node("cat", "Concat", List.of("x1", "x3"), List.of("cat"));
    cat.setAttr(Attribute.ofInt("axis", 1));
    g.nodes().add(cat);                                             // [2, 32, 5, 5]
    batchNorm(g, rnd, "bn", "cat", 32);                              // after a concat: nothing to fold it into
    g.nodes().add(new Node("bnr", "Relu", List.of("bn"), List.of("bnr")));
    conv(g, rnd, "gc", "bnr", 32, 4, 3, 1, 1, 1, 8, true);          // 8 groups of 4: runs blocked, in units of 16
    Node avg = new Node("ap", "AveragePool", List.of("gc"), List.of("ap"));
    avg.setAttr(Attribute.ofInts("kernel_shape", 3, 3));
    avg.setAttr(Attribute.ofInts("pads", 1, 1, 1, 1));
    avg.setAttr(Attribute.ofInt("count_include_pad", 1));
    g.nodes().add(avg);
    g.nodes().add(new Node("gap", "GlobalAveragePool", List.of("ap"), List.of("gap")));
    g.nodes().add(new Node("bc", "Add", List.of("ap", "gap"), List.of("bc")));  // broadcast [2,32,5,5] + [2,32,1,1]
    Node cat2 = new Node("cat2", "Concat", List.of("ap", "ap"), List.of("cat2"));  // not convolutions: a copy
    cat2.setAttr(Attribute.ofInt("axis", 1));
    g.nodes().add(cat2);
    g.nodes().add(new Node("z", "Relu", List.of("cat2"), List.of("z")));
    // squeeze-and-excitation: a per-channel scale [2, 32, 1, 1] times [2, 32, 5, 5], then SiLU: x * sigmoid(x)
    conv(g, rnd, "se1", "gap", 8, 32, 1, 1, 1, 0, 1, true);
    g.nodes().add(new Node("se1r", "Relu", List.of("se1"), List.of("se1r")));
    conv(g, rnd, "se2", "se1r", 32, 8, 1, 1, 1, 0, 1, true);
    Node hardSigmoid = new Node("ses", "HardSigmoid", List.of("se2"), List.of("ses"));  // as MobileNetV3's SE
    hardSigmoid.setAttr(Attribute.ofFloat("alpha", 0.25f));
    hardSigmoid.setAttr(Attribute.ofFloat("beta", 0.4f));
    g.nodes().add(hardSigmoid);
    g.nodes().add(new Node("sem", "Mul", List.of("ses", "bc"), List.of("sem")));  // the vector first
    g.nodes().add(new Node("sw", "Sigmoid", List.of("sem"), List.of("sw")));
    g.nodes().add(new Node("swm", "Mul", List.of("sem", "sw"), List.of("swm")));
    conv(g, rnd, "y", "swm", 8, 16, 1, 1, 1, 0, 2, true);          // grouped: stays NCHW
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, List.of(Dim.of(2), Dim.of(8), Dim.of(5), Dim.of(5)), null));
    g.outputs().add(new ValueInfo("res", DType.FLOAT32, List.of(Dim.of(2), Dim.of(20), Dim.of(5), Dim.of(5)), null));
    g.outputs().add(new ValueInfo("z", DType.FLOAT32, List.of(Dim.of(2), Dim.of(64), Dim.of(5), Dim.of(5)), null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

}

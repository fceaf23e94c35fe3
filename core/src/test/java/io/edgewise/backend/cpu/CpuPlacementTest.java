package io.edgewise.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.backend.NodePlacement;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
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
 * A session's per-node placement: which device's kernel runs each node, and why a node runs on another device's
 * kernel than the session's (an op the device has no kernel for; inputs its kernel declined in a run).
 */
@ExtendWith(NativeLeakGuard.class)
class CpuPlacementTest {
  /** x [1, 3, 8, 8] -> Conv 3 -> 16, 3x3 -> LogSoftmax over channels (no cpu kernel) -> y. */
  private static Model convSoftmax() {
    Random rnd = new Random(3);
    Graph g = new Graph("conv_softmax");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.of(1), Dim.of(3), Dim.of(8), Dim.of(8)), null));
    TestGraphs.conv(g, rnd, "c", "x", 16, 3, 3, 1, 1, 1, 1, true);
    Node softmax = new Node("softmax", "LogSoftmax", List.of("c"), List.of("y"));
    softmax.setAttr(Attribute.ofInt("axis", 1));
    g.nodes().add(softmax);
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, List.of(Dim.of(1), Dim.of(16), Dim.of(8), Dim.of(8)), null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  /** y = x W^T over float64 [2, 4] x [3, 4]: an op cpu has a kernel for, in a dtype the kernel declines. */
  private static Model gemmFloat64() {
    Graph g = new Graph("gemm64");
    g.inputs().add(new ValueInfo("x", DType.FLOAT64, List.of(Dim.of(2), Dim.of(4)), null));
    Tensor w = Tensor.allocate(DType.FLOAT64, Shape.of(3, 4));
    for (long i = 0; i < w.size(); i++) {
      w.setDouble(i, i % 5 - 2);
    }
    g.initializers().put("w", w);
    Node n = new Node("gemm", "Gemm", List.of("x", "w"), List.of("y"));
    n.setAttr(Attribute.ofInt("transB", 1));
    g.nodes().add(n);
    g.outputs().add(new ValueInfo("y", DType.FLOAT64, List.of(Dim.of(2), Dim.of(3)), null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  private static NodePlacement byOp(List<NodePlacement> placement, String opSuffix) {
    return placement.stream().filter(p -> p.op().endsWith(opSuffix)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + opSuffix + " node in " + placement));
  }

  @Test
  void refRunsEveryNodeItselfWithoutFallback() {
    try (Session s = Session.open(convSoftmax(), SessionOptions.defaults().withDevice("ref"))) {
      List<NodePlacement> p = s.placement();
      assertEquals(2, p.size(), p.toString());
      for (NodePlacement n : p) {
        assertEquals("ref", n.device(), n.toString());
        assertNull(n.fallbackReason(), n.toString());
      }
    }
  }

  @Test
  void cpuRunsTheConvolutionAndSaysWhySoftmaxRunsOnTheReference() {
    try (Session s = Session.open(convSoftmax(), SessionOptions.defaults().withDevice("cpu"))) {
      List<NodePlacement> p = s.placement();
      NodePlacement conv = byOp(p, "Conv");
      assertEquals("cpu", conv.device(), p.toString());
      assertNull(conv.fallbackReason(), p.toString());
      NodePlacement softmax = byOp(p, "LogSoftmax");
      assertEquals("ref", softmax.device(), p.toString());
      assertEquals("no cpu kernel for LogSoftmax", softmax.fallbackReason());
      assertTrue(p.stream().filter(n -> n.device().equals("ref")).allMatch(NodePlacement::fellBack), p.toString());
    }
  }

  @Test
  void aKernelThatDeclinesARunsInputsIsRecordedWithTheReason() {
    try (Session s = Session.open(gemmFloat64(), SessionOptions.defaults().withDevice("cpu"));
        Tensor x = Tensor.allocate(DType.FLOAT64, Shape.of(2, 4))) {
      NodePlacement before = byOp(s.placement(), "Gemm");
      assertEquals("cpu", before.device(), "before any run the cpu kernel is the plan");
      assertNull(before.fallbackReason());
      for (long i = 0; i < x.size(); i++) {
        x.setDouble(i, i - 3.5);
      }
      Map<String, Tensor> out = s.run(Map.of("x", x));
      try (Tensor y = out.get("y")) {
        // hand-computed: row r of x is (4r - 3.5 .. 4r - 0.5), row j of W is ((4j + k) % 5 - 2)
        double[] expected = new double[6];
        for (int r = 0; r < 2; r++) {
          for (int j = 0; j < 3; j++) {
            for (int k = 0; k < 4; k++) {
              expected[r * 3 + j] += (4 * r + k - 3.5) * ((4 * j + k) % 5 - 2);
            }
          }
        }
        assertArrayEquals(expected, y.toDoubleArray(), 1e-12);
      }
      NodePlacement after = byOp(s.placement(), "Gemm");
      assertEquals("ref", after.device(), after.toString());
      assertTrue(after.fallbackReason().contains("FLOAT64"), after.fallbackReason());
    }
  }

  /** Without the edgewise-ort module (this module's tests do not have it) a node no device runs is refused. */
  @Test
  void withoutOnnxRuntimeAnOpNoDeviceRunsIsRefusedNamingTheNode() {
    Graph g = new Graph("hardmax");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.of(2), Dim.of(4)), null));
    g.nodes().add(new Node("hm", "Hardmax", List.of("x"), List.of("y")));
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, List.of(Dim.of(2), Dim.of(4)), null));
    Model m = new Model(g, Map.of("", 17L), 8, "test", null, null);
    io.edgewise.EdgewiseException e = org.junit.jupiter.api.Assertions.assertThrows(
        io.edgewise.EdgewiseException.class, () -> Session.open(m, SessionOptions.defaults().withDevice("cpu")));
    assertEquals(io.edgewise.EdgewiseException.ErrorCode.NOT_IMPLEMENTED, e.code());
    assertTrue(e.getMessage().contains("Hardmax") && e.getMessage().contains("edgewise-ort"),
        e.getMessage());
  }
}

package io.edgewise.train.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.cpu.TestGraphs;
import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorScope;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What pruning refuses or leaves whole, each with a reason, and bad ratios. */
class PruneLimitsTest {
  /** x[1,2,4,4] -> c0(6) -> r0 -> c1(4) -> r1 -> then `tail` decides what consumes r1. */
  private static Model model(String tail) {
    Random rnd = new Random(3);
    Graph g = new Graph(tail);
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1, 2, 4, 4)));
    TestGraphs.conv(g, rnd, "c0", "x", 6, 2, 3, 1, 1, 1, 1, true);
    String c0 = "c0";
    if (tail.equals("addconst")) {  // a per-channel constant added to c0's output: it loses c0's channels too
      g.initializers().put("k", TestGraphs.random(rnd, Shape.of(6, 1, 1)));
      g.nodes().add(new Node("addk", "Add", List.of("c0", "k"), List.of("c0k")));
      c0 = "c0k";
    } else if (tail.equals("addinput")) {  // c0's output plus a graph input: its channels cannot go
      g.inputs().add(ValueInfo.tensor("x2", DType.FLOAT32, Shape.of(1, 6, 4, 4)));
      g.nodes().add(new Node("addx", "Add", List.of("c0", "x2"), List.of("c0x")));
      c0 = "c0x";
    }
    g.nodes().add(new Node("r0", "Relu", List.of(c0), List.of("r0")));
    TestGraphs.conv(g, rnd, "c1", "r0", 4, 6, 3, 1, 1, 1, 1, true);
    g.nodes().add(new Node("r1", "Relu", List.of("c1"), List.of("r1")));
    switch (tail) {
      case "reshape" -> {
        g.initializers().put("shape", Tensor.ofLongs(DType.INT64, Shape.of(2), 1, 64));
        g.nodes().add(new Node("reshape", "Reshape", List.of("r1", "shape"), List.of("flat")));
        g.initializers().put("fc.w", TestGraphs.random(rnd, Shape.of(3, 64)));
        Node fc = new Node("fc", "Gemm", List.of("flat", "fc.w"), List.of("y"));
        fc.setAttr(Attribute.ofInt("transB", 1));
        g.nodes().add(fc);
        g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, 3)));
      }
      case "matmul" -> {
        g.initializers().put("shape", Tensor.ofLongs(DType.INT64, Shape.of(2), 0, -1));
        g.nodes().add(new Node("reshape", "Reshape", List.of("r1", "shape"), List.of("flat")));
        g.initializers().put("fc.w", TestGraphs.random(rnd, Shape.of(64, 3)));
        g.nodes().add(new Node("fc", "MatMul", List.of("flat", "fc.w"), List.of("y")));
        g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, 3)));
      }
      case "addconst", "addinput" -> {
        g.nodes().add(new Node("gap", "GlobalAveragePool", List.of("r1"), List.of("gap")));
        g.nodes().add(new Node("flat", "Flatten", List.of("gap"), List.of("flat")));
        g.initializers().put("fc.w", TestGraphs.random(rnd, Shape.of(4, 3)));
        g.nodes().add(new Node("fc", "MatMul", List.of("flat", "fc.w"), List.of("y")));
        g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, 3)));
      }
      case "output" -> g.outputs().add(ValueInfo.tensor("r1", DType.FLOAT32, Shape.of(1, 4, 4, 4)));
      case "sigmoid" -> {
        g.nodes().add(new Node("s", "Sigmoid", List.of("r1"), List.of("y")));
        g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, 4, 4, 4)));
      }
      default -> throw new IllegalArgumentException(tail);
    }
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  @Test
  void aConvFeedingAReshapeToAFixedShapeKeepsItsChannelsAndTheRestIsPruned() {
    try (TensorScope scope = TensorScope.open(); Model m = model("reshape"); PruneResult r = ChannelPruner.prune(m,
        0.5)) {
      assertNull(r.skippedReason());
      assertEquals(3, r.conv("c0").keptCount());
      assertEquals(4, r.conv("c1").keptCount());
      assertTrue(r.keptConvs().get("c1").contains("Reshape"), r.keptConvs().toString());
      assertFalse(r.keptConvs().containsKey("c0"));
      assertEquals(Shape.of(3, 64), r.model().graph().initializers().get("fc.w").shape());
      assertEquals(Shape.of(4, 3, 3, 3), r.model().graph().initializers().get("c1.w").shape());
      Model zeroed = model("reshape");
      GraphPruneTest.zero(zeroed, r.conv("c0").kept(), "c0.w", "c0.b");
      GraphPruneTest.assertOutputsMatch(zeroed, r.model(), model("reshape"), 3);
    }
  }

  @Test
  void aReshapeToBatchByMinusOneIsAFlattenAndTheMatMulLosesTheRowsOfEachPrunedChannel() {
    try (TensorScope scope = TensorScope.open(); Model m = model("matmul"); PruneResult r = ChannelPruner.prune(m,
        0.5)) {
      assertEquals(Map.of(), r.keptConvs());
      assertEquals(2, r.conv("c1").keptCount());
      assertEquals(Shape.of(32, 3), r.model().graph().initializers().get("fc.w").shape());  // 2 channels x 16
      Model zeroed = model("matmul");
      GraphPruneTest.zero(zeroed, r.conv("c0").kept(), "c0.w", "c0.b");
      GraphPruneTest.zero(zeroed, r.conv("c1").kept(), "c1.w", "c1.b");
      GraphPruneTest.assertOutputsMatch(zeroed, r.model(), model("matmul"), 3);
    }
  }

  @Test
  void aPerChannelConstantAddedToAConvLosesTheSameChannels() {
    try (TensorScope scope = TensorScope.open(); Model m = model("addconst"); PruneResult r = ChannelPruner.prune(m,
        0.5)) {
      assertEquals(Map.of(), r.keptConvs());
      assertEquals(Shape.of(3, 1, 1), r.model().graph().initializers().get("k").shape());
      Model zeroed = model("addconst");
      GraphPruneTest.zero(zeroed, r.conv("c0").kept(), "c0.w", "c0.b", "k");
      GraphPruneTest.zero(zeroed, r.conv("c1").kept(), "c1.w", "c1.b");
      GraphPruneTest.assertOutputsMatch(zeroed, r.model(), model("addconst"), 3);
    }
  }

  @Test
  void aConvAddedToAGraphInputKeepsItsChannels() {
    try (Model m = model("addinput"); PruneResult r = ChannelPruner.prune(m, 0.5)) {
      assertEquals(Map.of("c0", "feeds node 'addx' (Add) input 0"), r.keptConvs());
      assertEquals(2, r.conv("c1").keptCount());
      assertEquals(Shape.of(2, 6, 3, 3), r.model().graph().initializers().get("c1.w").shape());
    }
  }

  @Test
  void theFinalConvKeepsItsChannelsWhenItIsTheOutput() {
    try (TensorScope scope = TensorScope.open(); Model m = model("output"); PruneResult r = ChannelPruner.prune(m,
        0.5)) {
      assertEquals(Map.of("c1", "reaches the graph output 'r1'"), r.keptConvs());
      assertTrue(r.conv("c0").pruned());
      Model zeroed = model("output");
      GraphPruneTest.zero(zeroed, r.conv("c0").kept(), "c0.w", "c0.b");
      GraphPruneTest.assertOutputsMatch(zeroed, r.model(), model("output"), 3);
    }
  }

  @Test
  void aModelWithAnOpWithoutBackwardPassIsSkippedWithTheReason() {
    try (Model m = model("sigmoid"); PruneResult r = ChannelPruner.prune(m, 0.5)) {
      assertTrue(r.isSkipped());
      assertNull(r.model());
      assertTrue(r.skippedReason().contains("[Sigmoid]"), r.skippedReason());
      assertEquals(r.parametersBefore(), r.parametersAfter());
    }
  }

  @Test
  void aModelWithNothingPrunableIsSkippedWithTheReason() {
    try (Model m = model("output")) {
      m.graph().outputs().add(ValueInfo.tensor("r0", DType.FLOAT32, Shape.of(1, 6, 4, 4)));
      try (PruneResult r = ChannelPruner.prune(m, 0.5)) {
        assertTrue(r.isSkipped());
        assertTrue(r.skippedReason().contains("no convolution can lose channels"), r.skippedReason());
        assertTrue(r.skippedReason().contains("c0=reaches the graph output 'r0'"), r.skippedReason());
      }
    }
  }

  @Test
  void ratioZeroChangesNothingAndBadRatiosAreRefused() {
    try (TensorScope scope = TensorScope.open(); Model m = model("reshape"); PruneResult r = ChannelPruner.prune(m,
        0)) {
      assertEquals(r.parametersBefore(), r.parametersAfter());
      assertArrayEquals(m.graph().initializers().get("c0.w").toFloatArray(),
          r.model().graph().initializers().get("c0.w").toFloatArray(), 0f);
      for (double bad : new double[] {-0.1, 1, 1.5, Double.NaN}) {
        EdgewiseException e = assertThrows(EdgewiseException.class, () -> ChannelPruner.prune(m, bad));
        assertTrue(e.getMessage().contains("outside [0, 1)"), e.getMessage());
      }
    }
  }
}

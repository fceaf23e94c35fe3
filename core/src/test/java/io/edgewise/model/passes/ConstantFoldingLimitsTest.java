package io.edgewise.model.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.reference.ReferenceBackend;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What constant folding must leave alone: huge results (refused before computing them) and random ops. */
class ConstantFoldingLimitsTest {
  private final List<String> evaluated = new ArrayList<>();
  private final ConstantEvaluator reference = (node, in, opset) -> {
    evaluated.add(node.opType());
    return ReferenceBackend.registry().get(node.domain(), node.opType())
        .compute(new OpContext(node, opset, BackendOptions.defaults()), in);
  };

  @Test
  void aHugeConstantOfShapeIsNeverComputed() {
    Graph g = new Graph("huge");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1)));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32));
    g.initializers().put("dims", Tensor.ofLongs(DType.INT64, Shape.of(2), 5000, 5000));  // 25M > 16M elements
    g.initializers().put("small", Tensor.ofLongs(DType.INT64, Shape.of(2), 4, 4));
    g.nodes().add(new Node("big", "ConstantOfShape", List.of("dims"), List.of("zeros")));
    g.nodes().add(new Node("ok", "ConstantOfShape", List.of("small"), List.of("fine")));
    g.nodes().add(new Node("rb", "ReduceSum", List.of("zeros"), List.of("s1")));
    g.nodes().add(new Node("rs", "ReduceSum", List.of("fine"), List.of("s2")));
    g.nodes().add(new Node("a1", "Add", List.of("x", "s1"), List.of("t")));
    g.nodes().add(new Node("a2", "Add", List.of("t", "s2"), List.of("y")));
    try (Model m = new Model(g, Map.of("", 13L), 8, "test", null, null)) {
      int folded = new ConstantFolding(reference).apply(m);
      assertEquals(2, folded, "the small ConstantOfShape and its ReduceSum");
      assertEquals(List.of("ConstantOfShape", "ReduceSum"), evaluated);
      assertEquals(List.of("ConstantOfShape", "ReduceSum", "Add", "Add"),
          g.nodes().stream().map(Node::opType).toList());
      assertEquals("big", g.nodes().get(0).name());
    }
  }

  @Test
  void randomOpsAndTrainingDropoutStay() {
    Graph g = new Graph("random");
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32));
    g.outputs().add(ValueInfo.tensor("z", DType.FLOAT32));
    Node rn = new Node("rn", "RandomNormal", List.of(), List.of("noise"));
    rn.setAttr(Attribute.ofInts("shape", 2, 2));
    g.nodes().add(rn);
    g.nodes().add(new Node("relu", "Relu", List.of("noise"), List.of("y")));
    g.initializers().put("data", Tensor.ofFloats(Shape.of(4), 1, 2, 3, 4));
    g.initializers().put("ratio", Tensor.ofFloats(Shape.of(), 0.5f));
    g.initializers().put("training", Tensor.ofLongs(DType.BOOL, Shape.of(), 1));
    g.nodes().add(new Node("drop", "Dropout", List.of("data", "ratio", "training"), List.of("dropped")));
    g.nodes().add(new Node("neg", "Neg", List.of("dropped"), List.of("z")));
    try (Model m = new Model(g, Map.of("", 13L), 8, "test", null, null)) {
      assertEquals(0, new ConstantFolding(reference).apply(m));
      assertEquals(0, new IdentityElimination().apply(m), "a training-mode Dropout is not an identity");
      assertEquals(4, g.nodes().size());
      assertTrue(evaluated.isEmpty(), evaluated.toString());
    }
  }

  @Test
  void dropoutWhoseTrainingFlagIsAConstantNodeIsRemovedByTheOptimizer() {
    Graph g = new Graph("drop");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(2, 3)));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(2, 3)));
    Node flag = new Node("flag", "Constant", List.of(), List.of("training"));
    flag.setAttr(Attribute.ofTensor("value", Tensor.ofLongs(DType.BOOL, Shape.of(), 0)));
    g.nodes().add(flag);
    Node ratio = new Node("ratio", "Constant", List.of(), List.of("r"));
    ratio.setAttr(Attribute.ofTensor("value", Tensor.ofFloats(Shape.of(), 0.3f)));
    g.nodes().add(ratio);
    g.nodes().add(new Node("drop", "Dropout", List.of("x", "r", "training"), List.of("d")));
    g.nodes().add(new Node("relu", "Relu", List.of("d"), List.of("y")));
    Model m = new Model(g, Map.of("", 13L), 8, "test", null, null);
    long live = Tensor.liveCount() - 2;  // the two Constant values, which folding must release
    try (Session s = Session.open(m, SessionOptions.defaults());
        Tensor x = Tensor.ofFloats(Shape.of(2, 3), -1, 2, -3, 4, -5, 6)) {
      assertEquals(List.of("Relu"), s.model().graph().nodes().stream().map(Node::opType).toList());
      try (Tensor y = s.run(Map.of("x", x)).get("y")) {
        assertEquals(List.of(0f, 2f, 0f, 4f, 0f, 6f), boxed(y.toFloatArray()));
      }
    }
    // at most: the Cleaner may meanwhile release tensors that other tests leaked
    assertTrue(Tensor.liveCount() <= live, "tensors left open by the passes");
  }

  private static List<Float> boxed(float[] v) {
    List<Float> out = new ArrayList<>();
    for (float f : v) {
      out.add(f);
    }
    return out;
  }
}

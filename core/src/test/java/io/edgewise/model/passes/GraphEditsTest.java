package io.edgewise.model.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one removeUnusedInitializers the passes, the pruner and the quantizer share. */
class GraphEditsTest {
  @Test
  void unreadInitializersGoWithTheGraphInputsThatListThem() {
    try (Graph g = new Graph("g")) {
      g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(2)));
      // an IR < 4 model lists its initializers as inputs too: "stale" is such a pair that no node reads any more
      g.inputs().add(ValueInfo.tensor("w", DType.FLOAT32, Shape.of(2)));
      g.inputs().add(ValueInfo.tensor("stale", DType.FLOAT32, Shape.of(2)));
      g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(2)));
      g.outputs().add(ValueInfo.tensor("exported", DType.FLOAT32, Shape.of(2)));
      g.initializers().put("w", Tensor.ofFloats(Shape.of(2), new float[] {1, 2}));
      g.initializers().put("stale", Tensor.ofFloats(Shape.of(2), new float[] {3, 4}));
      g.initializers().put("unlisted", Tensor.ofFloats(Shape.of(2), new float[] {5, 6}));
      g.initializers().put("exported", Tensor.ofFloats(Shape.of(2), new float[] {7, 8}));
      g.nodes().add(new Node("add", "Add", List.of("x", "w"), List.of("y")));

      assertEquals(2, GraphEdits.removeUnusedInitializers(g));
      // read by a node or named as a graph output: kept; the others dropped, "stale" with its input entry
      assertEquals(List.of("w", "exported"), List.copyOf(g.initializers().keySet()));
      assertEquals(List.of("x", "w"), g.inputNames());
    }
  }
}

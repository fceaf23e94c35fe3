package io.edgewise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.edgewise.model.Attribute;
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
import org.junit.jupiter.api.Test;

/** FLOPs per profiled layer against hand-computed counts (2 per multiply-add). */
class ConvFlopsTest {
  // x [1, 4, 6, 6]; a: 8 outputs, 1x1 -> 2 * 8*6*6 * 4 = 2304; b: 8 outputs, 3x3 pad 1 -> 2 * 8*6*6 * 4*9 = 20736
  private static final long A = 2304;
  private static final long B = 20736;

  @Test
  void eachConvolutionCountsItsMultiplyAdds() {
    Map<String, Long> flops = ConvFlops.of(fire());
    assertEquals(Map.of("a", A, "b", B), flops);
  }

  @Test
  void aConcatThatRanItsConvolutionsInsideGetsTheirSum() {
    // the cpu device profiles the fused concat under its blocked value and never the parts
    Map<String, Long> flops = ConvFlops.ofProfiled(fire(), List.of("cat#nchwc"));
    assertEquals(A + B, flops.get("cat"));
  }

  @Test
  void aConcatWhosePartsRanSeparatelyGetsNothing() {
    Map<String, Long> flops = ConvFlops.ofProfiled(fire(), List.of("a", "b", "cat"));
    assertFalse(flops.containsKey("cat"), flops.toString());
    assertEquals(A, flops.get("a"));
  }

  private static Model fire() {
    Graph g = new Graph("fire");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.of(1), Dim.of(4), Dim.of(6), Dim.of(6)), null));
    conv(g, "a", 1, 0);
    conv(g, "b", 3, 1);
    Node cat = new Node("cat", "Concat", List.of("a", "b"), List.of("cat"));
    cat.setAttr(Attribute.ofInt("axis", 1));
    g.nodes().add(cat);
    g.outputs().add(new ValueInfo("cat", DType.FLOAT32, List.of(Dim.of(1), Dim.of(16), Dim.of(6), Dim.of(6)), null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  private static void conv(Graph g, String out, int k, int pad) {
    g.initializers().put(out + ".w", Tensor.allocate(DType.FLOAT32, Shape.of(8, 4, k, k)));
    Node n = new Node(out, "Conv", List.of("x", out + ".w"), List.of(out));
    n.setAttr(Attribute.ofInts("pads", pad, pad, pad, pad));
    g.nodes().add(n);
  }
}

package io.edgewise.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The index answers as the graph's own scans do, before and after the edits made through it. */
class GraphIndexTest {
  private final Node a = new Node("a", "Relu", List.of("x"), List.of("t"));
  private final Node b = new Node("b", "Add", List.of("t", "t"), List.of("u"));
  private final Node c = new Node("c", "Mul", List.of("x", "t"), List.of("y"));

  private Graph graph() {
    Graph g = new Graph("g");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(2)));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(2)));
    g.nodes().addAll(List.of(a, b, c));
    return g;
  }

  private static void assertAgrees(Graph g, GraphIndex index, String... values) {
    for (String v : values) {
      assertSame(g.producer(v), index.producer(v), v);
      assertEquals(g.consumers(v), index.consumers(v), v);
      assertEquals(!g.consumers(v).isEmpty(), index.hasConsumers(v), v);
    }
  }

  @Test
  void answersAsTheScansDoAndKeepsUpWithItsEdits() {
    Graph g = graph();
    GraphIndex index = g.index();
    assertAgrees(g, index, "x", "t", "u", "y", "nothing");
    assertNull(index.soleConsumer("t"), "t has two readers");
    assertNull(index.soleConsumer("u"), "u has none");
    assertNull(index.soleConsumer("y"), "y is a graph output");

    index.replaceUses("t", "x");  // b and c read x now
    assertEquals(List.of("x", "x"), b.inputs());
    assertEquals(List.of("x", "x"), c.inputs());
    assertAgrees(g, index, "x", "t");

    index.forget(b);
    g.nodes().remove(b);
    assertAgrees(g, index, "x", "u");

    Node fused = new Node("c2", "Sub", List.of("x", "t"), List.of("y"));
    index.replace(c, fused);
    assertSame(fused, g.nodes().get(1));
    assertAgrees(g, index, "x", "t", "y");
    assertSame(fused, index.soleConsumer("t"));

    index.setInput(fused, 1, "x");
    index.setOutput(a, 0, "t2");
    assertAgrees(g, index, "x", "t", "t2");
    assertEquals(List.of(a, fused), index.consumers("x"), "in graph order");
  }

  @Test
  void freshNamesAvoidEveryNameInUseAndEachOther() {
    GraphIndex index = graph().index();
    assertEquals("t_1", index.freshName("t"));
    assertEquals("t_2", index.freshName("t"));
    assertEquals("w", index.freshName("w"));
    assertEquals("x_1", index.freshName("x"));
  }

  @Test
  void graphOutputAndInputLookUpsFollowChangesToTheLists() {
    Graph g = graph();
    assertTrue(g.isOutput("y"));
    assertTrue(g.isInput("x"));
    assertEquals(DType.FLOAT32, g.typeOf("y").dtype());
    g.outputs().set(0, ValueInfo.tensor("u", DType.INT64, Shape.of(2)));
    assertFalse(g.isOutput("y"));
    assertTrue(g.isOutput("u"));
    assertEquals(DType.INT64, g.typeOf("u").dtype());
    g.inputs().clear();
    assertFalse(g.isInput("x"));
    assertNull(g.typeOf("x"));
  }

  @Test
  void sortingAChainWrittenBackwardsIsStableAndFindsCycles() {
    Graph g = new Graph("chain");
    g.inputs().add(ValueInfo.tensor("v0", DType.FLOAT32, Shape.of(1)));
    g.outputs().add(ValueInfo.tensor("v5", DType.FLOAT32, Shape.of(1)));
    for (int i = 5; i >= 1; i--) {
      g.nodes().add(new Node("n" + i, "Identity", List.of("v" + (i - 1)), List.of("v" + i)));
    }
    Node side = new Node("side", "Relu", List.of("v0"), List.of("s"));
    g.nodes().add(0, side);
    g.sortTopologically();
    assertEquals(List.of("side", "n1", "n2", "n3", "n4", "n5"), g.nodes().stream().map(Node::name).toList());
    g.nodes().get(1).inputs().set(0, "v3");  // n1 reads n3's output: n1 -> n2 -> n3 -> n1
    EdgewiseException e = org.junit.jupiter.api.Assertions.assertThrows(EdgewiseException.class,
        g::sortTopologically);
    assertTrue(e.getMessage().contains("cycle"), e.getMessage());
  }
}

package io.edgewise.backend.cpu;

import static io.edgewise.backend.cpu.TestGraphs.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
 * Reshape, Flatten, Squeeze and Unsqueeze are zero-copy views on cpu. A view outlives the value it was made of
 * while later nodes allocate (and recycle) memory of the same size, every run agrees with ref bit for bit (the
 * arena's replayed runs too: the graph has only exact ops), and a graph output never shares memory with the caller's
 * input, an initializer or another output: writing one of them changes nothing else, this run or the next.
 */
@ExtendWith(NativeLeakGuard.class)
class CpuViewsTest {
  @Test
  void viewsOutliveTheirProducersAndEveryRunMatchesRef() {
    Random rnd = new Random(3);
    try (Session cpu = Session.open(chain(), SessionOptions.defaults().withDevice("cpu").withThreads(1));
        Session ref = Session.open(chain(), SessionOptions.defaults().withDevice("ref"))) {
      for (int run = 0; run < 5; run++) {  // record, then replay the arena plan
        try (Tensor x = random(rnd, Shape.of(1, 2, 3, 4))) {
          Map<String, Tensor> e = ref.run(Map.of("x", x));
          Map<String, Tensor> a = cpu.run(Map.of("x", x));
          try {
            for (String name : List.of("y", "z")) {
              assertEquals(e.get(name).shape(), a.get(name).shape(), name);
              assertArrayEquals(e.get(name).toFloatArray(), a.get(name).toFloatArray(), name + " run " + run);
            }
          } finally {
            e.values().forEach(Tensor::close);
            a.values().forEach(Tensor::close);
          }
        }
      }
    }
  }

  /**
   * r = Relu(x), viewed as v = Reshape(r) [1, 24] (r's last reader: r closes, its memory lives on in v); then n =
   * Neg(x) and m = Relu(n), each the size of r (a recycled r would land there), then y = Add(Flatten(v) viewed
   * back as [1, 2, 3, 4] by Unsqueeze(Squeeze)), m); z = Reshape(v) [24], an output that is a view of a view.
   */
  private static Model chain() {
    Graph g = new Graph("views");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.of(1), Dim.of(2), Dim.of(3), Dim.of(4)), null));
    g.initializers().put("flat", Tensor.ofLongs(DType.INT64, Shape.of(2), 1, 24));
    g.initializers().put("back", Tensor.ofLongs(DType.INT64, Shape.of(3), 2, 3, 4));
    g.initializers().put("line", Tensor.ofLongs(DType.INT64, Shape.of(1), 24));
    g.initializers().put("axis0", Tensor.ofLongs(DType.INT64, Shape.of(1), 0));
    g.nodes().add(new Node("r", "Relu", List.of("x"), List.of("r")));
    g.nodes().add(new Node("v", "Reshape", List.of("r", "flat"), List.of("v")));
    g.nodes().add(new Node("n", "Neg", List.of("x"), List.of("n")));
    g.nodes().add(new Node("m", "Relu", List.of("n"), List.of("m")));
    Node flatten = new Node("f", "Flatten", List.of("v"), List.of("f"));
    flatten.setAttr(Attribute.ofInt("axis", 0));
    g.nodes().add(flatten);
    g.nodes().add(new Node("s", "Squeeze", List.of("f", "axis0"), List.of("s")));
    g.nodes().add(new Node("b", "Reshape", List.of("s", "back"), List.of("b")));
    g.nodes().add(new Node("u", "Unsqueeze", List.of("b", "axis0"), List.of("u")));
    g.nodes().add(new Node("y", "Add", List.of("u", "m"), List.of("y")));
    g.nodes().add(new Node("z", "Reshape", List.of("v", "line"), List.of("z")));
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
    g.outputs().add(new ValueInfo("z", DType.FLOAT32, null, null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  @Test
  void outputsThatWereViewsOwnTheirMemory() {
    try (Session cpu = Session.open(outputs(), SessionOptions.defaults().withDevice("cpu").withThreads(1))) {
      for (int run = 0; run < 3; run++) {
        try (Tensor x = Tensor.ofFloats(Shape.of(2, 3), 1, 2, 3, 4, 5, 6)) {
          Map<String, Tensor> out = cpu.run(Map.of("x", x));
          try {
            Tensor flat = out.get("flat");  // Reshape(x): a view of the caller's input
            Tensor a = out.get("a");        // Relu(x)
            Tensor aFlat = out.get("aFlat");  // Reshape(a): a view of another output
            for (Tensor t : List.of(flat, a, aFlat)) {
              assertFalse(t.sharesMemory(), "an output shares its memory: " + t);
            }
            flat.setFloat(0, 100);
            aFlat.setFloat(1, 200);
            a.setFloat(2, 300);
            assertEquals(1f, x.getFloat(0), "writing an output changed the caller's input");
            assertArrayEquals(new float[] {1, 200, 3, 4, 5, 6}, aFlat.toFloatArray());
            assertArrayEquals(new float[] {1, 2, 300, 4, 5, 6}, a.toFloatArray());
            assertArrayEquals(new float[] {100, 2, 3, 4, 5, 6}, flat.toFloatArray());
          } finally {
            out.values().forEach(Tensor::close);
          }
          x.setFloat(3, -1);  // the caller reuses its input after the run: nothing it got back changes
        }
      }
    }
  }

  private static Model outputs() {
    Graph g = new Graph("view-outputs");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.of(2), Dim.of(3)), null));
    g.initializers().put("six", Tensor.ofLongs(DType.INT64, Shape.of(1), 6));
    g.nodes().add(new Node("flat", "Reshape", List.of("x", "six"), List.of("flat")));
    g.nodes().add(new Node("a", "Relu", List.of("x"), List.of("a")));
    g.nodes().add(new Node("aFlat", "Reshape", List.of("a", "six"), List.of("aFlat")));
    g.outputs().add(new ValueInfo("flat", DType.FLOAT32, null, null));
    g.outputs().add(new ValueInfo("a", DType.FLOAT32, null, null));
    g.outputs().add(new ValueInfo("aFlat", DType.FLOAT32, null, null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }
}

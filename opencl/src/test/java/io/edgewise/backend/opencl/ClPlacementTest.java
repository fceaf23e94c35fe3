package io.edgewise.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.backend.NodePlacement;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The opencl session's placement: an Add of float32 runs on the device; the same Add of int64 is declined by the
 * device (it computes float32) and the placement says so after the run; Shape, which has no device kernel, runs on
 * the reference kernel from the start.
 */
class ClPlacementTest {
  private static Model addThenShape(DType dtype) {
    Graph g = new Graph("add_shape");
    g.inputs().add(new ValueInfo("x", dtype, List.of(Dim.of(2), Dim.of(3)), null));
    g.inputs().add(new ValueInfo("z", dtype, List.of(Dim.of(2), Dim.of(3)), null));
    g.nodes().add(new Node("add", "Add", List.of("x", "z"), List.of("s")));
    g.nodes().add(new Node("shape", "Shape", List.of("s"), List.of("dims")));
    g.outputs().add(new ValueInfo("s", dtype, List.of(Dim.of(2), Dim.of(3)), null));
    g.outputs().add(new ValueInfo("dims", DType.INT64, List.of(Dim.of(2)), null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  private static NodePlacement node(Session s, String name) {
    return s.placement().stream().filter(p -> p.node().equals(name)).findFirst().orElseThrow();
  }

  private static void run(Session s, DType dtype) {
    try (Tensor x = Tensor.allocate(dtype, Shape.of(2, 3)); Tensor z = Tensor.allocate(dtype, Shape.of(2, 3))) {
      Map<String, Tensor> out = s.run(Map.of("x", x, "z", z));
      out.values().forEach(Tensor::close);
    }
  }

  @Test
  void float32AddRunsOnTheDeviceAndShapeOnTheReference() {
    ClTestDevices.first();
    try (Session s = Session.open(addThenShape(DType.FLOAT32), SessionOptions.defaults().withDevice("opencl"))) {
      run(s, DType.FLOAT32);
      NodePlacement add = node(s, "add");
      assertEquals("opencl", add.device(), s.placement().toString());
      assertNull(add.fallbackReason());
      NodePlacement shape = node(s, "shape");
      assertEquals("ref", shape.device());
      assertEquals("no opencl kernel for Shape", shape.fallbackReason());
    }
  }

  @Test
  void anInt64AddFallsBackToTheHostAndSaysWhy() {
    ClTestDevices.first();
    try (Session s = Session.open(addThenShape(DType.INT64), SessionOptions.defaults().withDevice("opencl"))) {
      assertEquals("opencl", node(s, "add").device(), "planned on the device before a run");
      run(s, DType.INT64);
      NodePlacement add = node(s, "add");
      assertEquals("ref", add.device(), s.placement().toString());
      assertTrue(add.fallbackReason().contains("float32"), add.fallbackReason());
    }
  }
}

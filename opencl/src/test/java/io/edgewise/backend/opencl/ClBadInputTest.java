package io.edgewise.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Executable;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.runtime.Devices;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad models and device names on opencl: a clear error naming the node or the name, and nothing leaked. */
class ClBadInputTest {
  @Test
  void aConvWithTheWrongBiasNamesTheNodeAndLeaksNothing() {
    ClTestDevices.first();
    Graph g = new Graph("bad");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1, 2, 5, 5)));
    g.initializers().put("w", Tensor.ofFloats(Shape.of(3, 2, 1, 1), new float[6]));
    g.initializers().put("b", Tensor.ofFloats(Shape.of(2), 1, 2));  // 2 values for 3 output channels
    g.nodes().add(new Node("the_conv", "Conv", List.of("x", "w", "b"), List.of("y")));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32));
    long buffers = ClBuffer.liveCount();
    try (Model m = new Model(g, Map.of("", 13L), 8, "test", null, null);
         OpenClBackend backend = new OpenClBackend(0);
         Executable exe = backend.compile(m, BackendOptions.defaults());
         Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(1, 2, 5, 5))) {
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> exe.run(Map.of("x", x)));
      assertEquals(EdgewiseException.ErrorCode.INVALID_MODEL, e.code());
      assertTrue(e.getMessage().contains("the_conv") && e.getMessage().contains("bias"), e.getMessage());
    }
    assertEquals(buffers, ClBuffer.liveCount(), "device buffers leaked");
  }

  @Test
  void badDeviceNamesAreClearErrors() {
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> Devices.open("opencl:x"));
    assertEquals(EdgewiseException.ErrorCode.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().contains("opencl:x"), e.getMessage());
    e = assertThrows(EdgewiseException.class, () -> Devices.open("opencl:77"));
    assertEquals(EdgewiseException.ErrorCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("opencl:77"), e.getMessage());
  }
}

package io.edgewise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.model.Model;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.MemoryAccount;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Session.memoryBytes() against the native allocator's own count (an independent oracle: ew_allocated_bytes counts
 * every block from a header the native side writes), on one thread so that nothing else allocates meanwhile.
 */
class SessionMemoryTest {
  private static Map<String, Tensor> zeros(Session s) {
    Map<String, Tensor> in = new LinkedHashMap<>();
    for (ValueInfo v : s.inputs()) {
      in.put(v.name(), Tensor.allocate(v.dtype(), Shape.of(v.dims().stream().mapToLong(d -> d.isKnown() ? d.value()
          : 1).toArray())));
    }
    return in;
  }

  private static void check(String device, String model) {
    long before = NativeCore.allocatedBytes();
    MemoryAccount account = new MemoryAccount();
    Session s;
    long weights;
    try (MemoryAccount.Scope scope = account.enter()) {
      Model m = OnnxImporter.load(TestData.model(model).resolve("model.onnx"));
      weights = m.graph().initializers().values().stream().mapToLong(Tensor::byteSize).sum();
      s = Session.open(m, SessionOptions.defaults().withDevice(device));
    }
    try {
      assertEquals(NativeCore.allocatedBytes() - before, s.memoryBytes(), "after open, " + device);
      assertTrue(s.memoryBytes() >= weights, s.memoryBytes() + " < the weights' " + weights);
      Map<String, Tensor> in = zeros(s);
      long inputs = NativeCore.allocatedBytes() - before - s.memoryBytes();
      Map<String, Tensor> out = s.run(in);
      // the run's arena, pooled buffers and the outputs (still open) are the session's; the inputs are not
      assertEquals(NativeCore.allocatedBytes() - before - inputs, s.memoryBytes(), "after a run, " + device);
      out.values().forEach(Tensor::close);
      in.values().forEach(Tensor::close);
      assertEquals(NativeCore.allocatedBytes() - before, s.memoryBytes(), "idle after a run, " + device);
    } finally {
      s.close();
    }
    assertEquals(0, s.memoryBytes(), "after close, " + device);
    assertEquals(before, NativeCore.allocatedBytes(), "nothing left allocated, " + device);
  }

  @Test
  void cpuSessionCountsWeightsPackedWeightsAndArena() {
    check("cpu", "squeezenet1_1");
  }

  @Test
  void refSessionCountsItsMemory() {
    check("ref", "digits_cnn_0to9");
  }

  @Test
  void aSessionOpenedOutsideAnAccountTakesOverItsWeights() {
    Model m = OnnxImporter.load(TestData.model("digits_cnn_0to9").resolve("model.onnx"));
    long weights = m.graph().initializers().values().stream().mapToLong(Tensor::byteSize).sum();
    try (Session s = Session.open(m, SessionOptions.defaults().withDevice("ref"))) {
      assertTrue(s.memoryBytes() >= weights, s.memoryBytes() + " < " + weights);
    }
  }
}

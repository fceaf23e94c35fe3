package io.edgewise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * After warm-up, inference recycles tensor memory: repeated runs make no native allocation at all. On cpu these
 * models run in the blocked layout (NCHWc convolutions, depthwise, residual adds, pooling, concats, conversions).
 * The Java heap is not free of garbage yet (each node's output is a Tensor object with a buffer view and a cleaner,
 * about 1 KB), but a run allocates a bounded amount per node: no copy of the weight table, no re-parsed attributes,
 * no messages built on success paths (which made it 96 KB per SqueezeNet run, 33 KB now).
 */
class SteadyStateAllocationTest {
  @Test
  void steadyStateRunsAllocateNoNativeMemory() {
    for (String device : new String[] {"cpu", "ref"}) {
      String[] models = device.equals("cpu") ? new String[] {"squeezenet1_1", "mobilenet_v2", "digits_cnn_0to9"}
          : new String[] {"squeezenet1_1", "digits_cnn_0to9"};
      for (String model : models) {
        Path dir = TestData.model(model);
        try (Session s = Session.open(dir.resolve("model.onnx"), SessionOptions.defaults().withDevice(device));
            Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"))) {
          for (int i = 0; i < 3; i++) {
            s.run(Map.of("input", x)).values().forEach(Tensor::close);
          }
          long before = NativeCore.allocationCount();
          for (int i = 0; i < 10; i++) {
            s.run(Map.of("input", x)).values().forEach(Tensor::close);
          }
          assertEquals(0, NativeCore.allocationCount() - before, "native allocations in 10 steady-state runs of "
              + model + " on " + device);
        }
      }
    }
  }

  @Test
  void steadyStateRunsAllocateLittleJavaHeapPerNode() {
    Assumptions.assumeTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
        "this JVM does not count allocated bytes per thread");
    for (String model : new String[] {"squeezenet1_1", "mobilenet_v2"}) {
      Path dir = TestData.model(model);
      try (Session s = Session.open(dir.resolve("model.onnx"), SessionOptions.defaults().withDevice("cpu"));
          Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"))) {
        Map<String, Tensor> feeds = Map.of("input", x);
        for (int i = 0; i < 300; i++) {  // until the JIT compiled the run loop (its escape analysis removes garbage)
          s.run(feeds).values().forEach(Tensor::close);
        }
        long thread = Thread.currentThread().getId();
        long best = Long.MAX_VALUE;
        for (int window = 0; window < 3; window++) {
          long before = THREADS.getThreadAllocatedBytes(thread);
          for (int i = 0; i < 20; i++) {
            s.run(feeds).values().forEach(Tensor::close);
          }
          best = Math.min(best, (THREADS.getThreadAllocatedBytes(thread) - before) / 20);
        }
        int nodes = s.model().graph().nodes().size();
        assertTrue(best <= 2048L * nodes, model + " allocated " + best + " bytes of Java heap per run, more than 2 KB "
            + "for each of its " + nodes + " nodes");
      }
    }
  }

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
}

package io.edgewise.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.NativeLeakGuard;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two 1-thread cpu sessions run from two threads at once (the co-scheduler's cpu groups): with a pool of one thread
 * the native core lets both callers run their kernels side by side, without the pool's call lock, so any scratch
 * shared between callers would show here as outputs that differ from a run alone. Oracle: PyTorch's output of the
 * shared SqueezeNet (within its tolerance), and each session's own output run alone (bit for bit).
 */
@ExtendWith(NativeLeakGuard.class)
class CpuConcurrentSessionsTest {
  @Test
  void twoOneThreadSessionsRunningAtOnceGiveTheSameOutputsAsAlone() throws Exception {
    Path dir = TestData.model("squeezenet1_1");
    SessionOptions one = SessionOptions.defaults().withDevice("cpu").withThreads(1);
    try (Session a = Session.open(dir.resolve("model.onnx"), one);
        Session b = Session.open(dir.resolve("model.onnx"), one);
        Tensor x = TensorProtos.readFile(dir.resolve("test_data_set_0/input_0.pb"));
        Tensor expected = TensorProtos.readFile(dir.resolve("test_data_set_0/output_0.pb"))) {
      String input = a.inputs().get(0).name();
      float[] alone = output(a, Map.of(input, x));
      float[] want = expected.toFloatArray();
      float max = 0;
      for (float v : want) {
        max = Math.max(max, Math.abs(v));
      }
      assertEquals(want.length, alone.length);
      for (int k = 0; k < want.length; k++) {
        assertEquals(want[k], alone[k], 1e-4 * max, "alone [" + k + "]");
      }
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<List<float[]>>> runs = new ArrayList<>();
        for (Session s : List.of(a, b)) {
          runs.add(pool.submit(() -> {
            List<float[]> outs = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
              outs.add(output(s, Map.of(input, x)));
            }
            return outs;
          }));
        }
        int checked = 0;
        for (Future<List<float[]>> f : runs) {
          for (float[] out : f.get()) {
            assertArrayEquals(alone, out, "a run beside another differs from the run alone");
            checked++;
          }
        }
        assertEquals(24, checked);
      } finally {
        pool.shutdownNow();
      }
      assertTrue(max > 0);
    }
  }

  private static float[] output(Session s, Map<String, Tensor> in) {
    Map<String, Tensor> out = s.run(in);
    try {
      return out.values().iterator().next().toFloatArray();
    } finally {
      out.values().forEach(Tensor::close);
    }
  }
}

package io.edgewise.backend.cpu;

import io.edgewise.model.Model;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import java.util.Map;

/** One run of a test model with input "x" and output "y" on a device, for comparing devices against each other. */
final class SingleOutputRun {
  private SingleOutputRun() {}

  static float[] run(Model model, String device, int threads, Tensor x) {
    try (Session s = Session.open(model, SessionOptions.defaults().withDevice(device).withThreads(threads))) {
      Map<String, Tensor> out = s.run(Map.of("x", x));
      try {
        return out.get("y").toFloatArray();
      } finally {
        out.values().forEach(Tensor::close);
      }
    }
  }
}

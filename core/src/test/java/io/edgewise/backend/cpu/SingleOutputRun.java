package io.edgewise.backend.cpu;

import io.edgewise.backend.OpProfile;
import io.edgewise.model.Model;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** One run of a test model with input "x" on a device, for comparing devices against each other. */
final class SingleOutputRun {
  private SingleOutputRun() {}

  static float[] run(Model model, String device, int threads, Tensor x) {
    return run(model, SessionOptions.defaults().withDevice(device).withThreads(threads), x);
  }

  /** Output y of the model as the reference computes it node by node (no graph passes): the oracle for fusions. */
  static float[] unoptimizedReference(Model model, Tensor x) {
    return run(model, SessionOptions.defaults().withDevice("ref").withOptimize(false), x);
  }

  static float[] run(Model model, SessionOptions options, Tensor x) {
    try (Session s = Session.open(model, options)) {
      Map<String, Tensor> out = s.run(Map.of("x", x));
      try {
        return out.get("y").toFloatArray();
      } finally {
        out.values().forEach(Tensor::close);
      }
    }
  }

  /**
   * The named outputs, each read by `read`; when ops is not null, the op types the session ran are added to it (the
   * blocked plan's ops on cpu).
   */
  static Map<String, float[]> run(Model model, String device, int threads, Tensor x, List<String> outputs,
      Function<Tensor, float[]> read, Set<String> ops) {
    try (Session s = Session.open(model, SessionOptions.defaults().withDevice(device).withThreads(threads))) {
      Map<String, Tensor> out = s.run(Map.of("x", x));
      try {
        if (ops != null && s.profile() != null) {
          s.profile().entries().stream().map(OpProfile.Entry::op).forEach(ops::add);
        }
        Map<String, float[]> values = new LinkedHashMap<>();
        outputs.forEach(o -> values.put(o, read.apply(out.get(o))));
        return values;
      } finally {
        out.values().forEach(Tensor::close);
      }
    }
  }
}

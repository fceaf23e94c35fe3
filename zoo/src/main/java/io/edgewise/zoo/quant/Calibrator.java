package io.edgewise.zoo.quant;

import io.edgewise.model.Model;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One calibration pass: the float model runs every calibration input with the activations to observe exposed as
 * extra outputs (graph passes off, so each keeps its name), and each activation's {@link ActivationStats} gathers
 * min, max and a histogram. Every calibration method of every request on the same float model reads the same stats.
 */
public final class Calibrator {
  private Calibrator() {}

  public static Map<String, ActivationStats> run(Path floatModel, Set<String> activations,
      List<Map<String, Tensor>> inputs, String device, int threads) {
    return run(OnnxImporter.load(floatModel), activations, inputs, device, threads);
  }

  /**
   * The same pass over a model already imported (a merged run imports a file once for the quantizer's plan and this
   * pass); the pass's session takes ownership of the model and closes it.
   */
  public static Map<String, ActivationStats> run(Model model, Set<String> activations,
      List<Map<String, Tensor>> inputs, String device, int threads) {
    for (String a : activations) {
      if (!model.graph().isOutput(a)) {
        model.graph().outputs().add(ValueInfo.tensor(a, DType.FLOAT32));
      }
    }
    Map<String, ActivationStats> stats = new LinkedHashMap<>();
    activations.forEach(a -> stats.put(a, new ActivationStats()));
    SessionOptions so = SessionOptions.defaults().withDevice(device).withThreads(threads).withOptimize(false);
    Session opened;
    try {
      opened = Session.open(model, so);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    try (Session s = opened) {
      for (Map<String, Tensor> in : inputs) {
        Map<String, Tensor> out = s.run(in);
        try {
          for (String a : activations) {
            Tensor t = out.get(a);
            if (t != null) {
              stats.get(a).add(t.toFloatArray());
            }
          }
        } finally {
          out.values().forEach(Tensor::close);
        }
      }
    }
    return stats;
  }
}

package io.edgewise.train;

import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxExporter;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;

/** Puts tuned parameters back into a model's initializers and writes the model as ONNX. */
public final class TunedModels {
  private TunedModels() {}

  /** Replaces every float32 initializer by the graph's current value of the same name. */
  public static void writeBack(Graph graph, TrainGraph trained) {
    for (Map.Entry<String, HeapTensor> e : trained.parameters().entrySet()) {
      Tensor old = graph.initializers().get(e.getKey());
      if (old == null || old.dtype() != DType.FLOAT32) {
        continue;  // float16/float64 constants were never trained; they stay as they were
      }
      Tensor tuned = Tensor.ofFloats(Shape.of(e.getValue().shape()), e.getValue().data());
      graph.initializers().put(e.getKey(), tuned);
      old.close();
    }
  }

  public static void export(Model model, Path file) {
    OnnxExporter.save(model, file);
  }
}

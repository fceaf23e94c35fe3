package io.edgewise.runtime.conformance;

import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import io.edgewise.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * A training-mode Dropout draws its mask at random, so the expected outputs of such a test (made with numpy's RNG)
 * cannot be matched element by element. For a single-node Dropout graph with training_mode on and ratio > 0, check
 * the structure instead: each y is 0 or x / (1 - ratio), and the mask (when asked for) agrees with y.
 */
final class DropoutStructureCheck {
  private DropoutStructureCheck() {}

  /** The ratio when the graph is a random training-mode Dropout fed by these inputs, else NaN. */
  static double randomRatio(Graph graph, Map<String, Tensor> inputs) {
    if (graph.nodes().size() != 1 || !graph.nodes().get(0).opType().equals("Dropout")) {
      return Double.NaN;
    }
    Node node = graph.nodes().get(0);
    Tensor training = value(graph, inputs, node.input(2));
    if (training == null || !training.getBool(0)) {
      return Double.NaN;
    }
    Tensor ratioTensor = value(graph, inputs, node.input(1));
    double ratio = ratioTensor == null ? 0.5 : ratioTensor.getDouble(0);
    return ratio > 0 ? ratio : Double.NaN;
  }

  private static Tensor value(Graph graph, Map<String, Tensor> inputs, String name) {
    if (name.isEmpty()) {
      return null;
    }
    Tensor t = inputs.get(name);
    return t != null ? t : graph.initializers().get(name);
  }

  static String check(Graph graph, Map<String, Tensor> inputs, Map<String, Tensor> actual, double ratio) {
    Node node = graph.nodes().get(0);
    Tensor x = value(graph, inputs, node.input(0));
    List<String> outs = graph.outputNames();
    Tensor y = actual.get(outs.get(0));
    if (!y.shape().equals(x.shape())) {
      return "Dropout output shape " + y.shape() + ", expected " + x.shape();
    }
    Tensor mask = outs.size() > 1 ? actual.get(outs.get(1)) : null;
    double scale = 1.0 / (1.0 - ratio);
    for (long i = 0; i < x.size(); i++) {
      double yi = y.getDouble(i);
      double keptValue = x.getDouble(i) * scale;
      boolean isKept = Math.abs(yi - keptValue) <= 1e-5 * (1 + Math.abs(keptValue));
      if (mask != null) {
        boolean consistent = mask.getBool(i) ? isKept : yi == 0;
        if (!consistent) {
          return "Dropout mask[" + i + "] = " + mask.getBool(i) + " disagrees with y[" + i + "] = " + yi;
        }
      } else if (!isKept && yi != 0) {
        return "Dropout y[" + i + "] = " + yi + " is neither 0 nor x/(1-ratio) = " + keptValue;
      }
    }
    return null;
  }
}

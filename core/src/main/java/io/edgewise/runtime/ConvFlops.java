package io.edgewise.runtime;

import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.shapes.ShapeInference;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Floating-point operations of each convolution of a model (2 per multiply-add), from inferred shapes. */
public final class ConvFlops {
  private ConvFlops() {}

  /**
   * The model value a profiled value stands for: backends that rewrite a graph name derived values after the model
   * value plus '#' and a tag (the cpu device's blocked-layout "y#nchwc"), so profiles still map back to layers.
   */
  public static String modelValue(String profiled) {
    int mark = profiled.indexOf('#');
    return mark < 0 ? profiled : profiled.substring(0, mark);
  }

  /** Output name of each Conv/FusedConv node whose shapes are known, to its FLOPs; in graph order. */
  public static Map<String, Long> of(Model model) {
    ShapeInference.infer(model);
    Graph g = model.graph();
    Map<String, Long> flops = new LinkedHashMap<>();
    for (Node n : g.nodes()) {
      if (!n.opType().equals("Conv") && !n.opType().equals("FusedConv")) {
        continue;
      }
      Tensor w = g.initializers().get(n.input(1));
      ValueInfo y = g.typeOf(n.output(0));
      Shape out = y == null ? null : y.concreteShape();
      if (w == null || out == null) {
        continue;
      }
      long perOutput = w.size() / w.shape().dim(0);  // (C / group) * kernel size
      flops.put(n.output(0), 2 * out.numElements() * perOutput);
    }
    return flops;
  }

  /**
   * FLOPs per profiled model value: each convolution's, and each Concat's whose inputs are all convolutions that the
   * profile does not list on their own (a backend computed them inside the concat, as the cpu device does for
   * SqueezeNet's fire modules): the sum of its parts. A Concat whose parts ran separately gets no FLOPs.
   */
  public static Map<String, Long> ofProfiled(Model model, Collection<String> profiledValues) {
    Map<String, Long> flops = of(model);
    Set<String> profiled = new java.util.HashSet<>();
    for (String v : profiledValues) {
      profiled.add(modelValue(v));
    }
    Map<String, Long> result = new LinkedHashMap<>(flops);
    for (Node n : model.graph().nodes()) {
      if (!n.opType().equals("Concat") || !profiled.contains(n.output(0))) {
        continue;
      }
      long sum = 0;
      for (String in : n.inputs()) {
        Long f = flops.get(in);
        if (f == null || profiled.contains(in)) {
          sum = -1;
          break;
        }
        sum += f;
      }
      if (sum > 0) {
        result.put(n.output(0), sum);
      }
    }
    return result;
  }
}

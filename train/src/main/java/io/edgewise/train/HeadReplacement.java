package io.edgewise.train;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Replaces the classifier head (the Gemm or 1x1-style Conv producing the graph's output, possibly through pooling,
 * Relu and Flatten) by one with N outputs: the rows of the old
 * classes are copied, the rows of new classes (weights and bias) are zero, so the new model scores the old classes
 * exactly as before and the new ones at 0 until trained.
 */
public final class HeadReplacement {
  /** Ops between the head and the output that keep the class axis (SqueezeNet: Conv, Relu, pooling, Flatten). */
  private static final java.util.Set<String> PASS_THROUGH = java.util.Set.of("Flatten", "Reshape",
      "GlobalAveragePool", "Relu", "Clip", "LeakyRelu", "Identity", "Dropout");

  private HeadReplacement() {}

  /** Edits the graph in place; returns the head node. */
  public static Node replace(Graph graph, int classes) {
    if (classes <= 0) {
      throw EdgewiseException.invalidArgument("--replace-head needs a positive number of classes, got " + classes);
    }
    if (graph.outputs().size() != 1) {
      throw EdgewiseException.invalidArgument("head replacement needs a graph with one output, graph '"
          + graph.name() + "' has " + graph.outputs().size());
    }
    String output = graph.outputs().get(0).name();
    List<Node> between = new ArrayList<>();
    Node head = graph.producer(output);
    while (head != null && PASS_THROUGH.contains(head.opType()) && head.hasInput(0)) {
      between.add(head);
      head = graph.producer(head.input(0));
    }
    boolean conv = head != null && head.opType().equals("Conv") && head.attrInt("group", 1) == 1;
    boolean gemm = head != null && head.opType().equals("Gemm") && head.attrInt("transA", 0) == 0;
    if (!(conv || gemm) || !graph.isInitializer(head.input(1))) {
      throw EdgewiseException.invalidArgument("head replacement needs the output '" + output + "' to come from a "
          + "Gemm or an ungrouped Conv with constant weights (through " + PASS_THROUGH + "), but it comes from "
          + (head == null ? "no node" : head.describe()));
    }
    // Conv weights [classes, C, kh, kw] are laid out as Gemm's with transB: one row per class
    boolean rowsAreClasses = conv || head.attrInt("transB", 0) != 0;
    Tensor w = graph.initializers().get(head.input(1));
    long[] wDims = w.shape().dims();
    int old = (int) wDims[rowsAreClasses ? 0 : 1];
    int features = (int) (w.size() / old);
    float[] src = w.toFloatArray();
    float[] dst = new float[classes * features];
    for (int k = 0; k < Math.min(old, classes); k++) {
      for (int f = 0; f < features; f++) {
        if (rowsAreClasses) {
          dst[k * features + f] = src[k * features + f];
        } else {
          dst[f * classes + k] = src[f * old + k];
        }
      }
    }
    wDims[rowsAreClasses ? 0 : 1] = classes;
    replaceInitializer(graph, head.input(1), Tensor.ofFloats(Shape.of(wDims), dst));
    float[] bias = new float[classes];
    if (head.hasInput(2)) {
      Tensor b = graph.initializers().get(head.input(2));
      if (b == null || b.size() != old) {
        throw EdgewiseException.invalidArgument(head.describe() + ": bias '" + head.input(2) + "' must be a constant "
            + "of " + old + " values for head replacement");
      }
      float[] ob = b.toFloatArray();
      System.arraycopy(ob, 0, bias, 0, Math.min(old, classes));
      replaceInitializer(graph, head.input(2), Tensor.ofFloats(Shape.of(classes), bias));
    } else {
      String name = head.output(0) + "_head_bias";
      graph.initializers().put(name, Tensor.ofFloats(Shape.of(classes), bias));
      List<String> inputs = new ArrayList<>(head.inputs());
      inputs.add(name);
      head.inputs().clear();
      head.inputs().addAll(inputs);
    }
    ValueInfo out = graph.outputs().get(0);
    List<ValueInfo.Dim> dims = new ArrayList<>(out.hasRank() ? out.dims() : List.of(ValueInfo.Dim.unknown(),
        ValueInfo.Dim.unknown()));
    dims.set(dims.size() - 1, ValueInfo.Dim.of(classes));
    graph.outputs().set(0, new ValueInfo(out.name(), out.dtype() == null ? DType.FLOAT32 : out.dtype(), dims, null));
    graph.valueInfo().remove(out.name());
    graph.valueInfo().remove(head.output(0));  // the values after the head change their class axis
    between.forEach(n -> graph.valueInfo().remove(n.output(0)));
    return head;
  }

  private static void replaceInitializer(Graph graph, String name, Tensor value) {
    Tensor old = graph.initializers().put(name, value);
    if (old != null) {
      old.close();
    }
  }
}

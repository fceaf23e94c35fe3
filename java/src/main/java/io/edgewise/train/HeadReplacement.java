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
 * Replaces the classifier head (the Gemm producing the graph's output) by one with N outputs: the rows of the old
 * classes are copied, the rows of new classes (weights and bias) are zero, so the new model scores the old classes
 * exactly as before and the new ones at 0 until trained.
 */
public final class HeadReplacement {
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
    Node head = graph.producer(output);
    if (head == null || !head.opType().equals("Gemm") || !graph.isInitializer(head.input(1))
        || head.attrInt("transA", 0) != 0) {
      throw EdgewiseException.invalidArgument("head replacement needs the output '" + output + "' to come from a "
          + "Gemm with constant weights, but it comes from " + (head == null ? "no node" : head.describe()));
    }
    boolean transB = head.attrInt("transB", 0) != 0;
    Tensor w = graph.initializers().get(head.input(1));
    int old = (int) w.shape().dim(transB ? 0 : 1);
    int features = (int) w.shape().dim(transB ? 1 : 0);
    float[] src = w.toFloatArray();
    float[] dst = new float[classes * features];
    for (int k = 0; k < Math.min(old, classes); k++) {
      for (int f = 0; f < features; f++) {
        if (transB) {
          dst[k * features + f] = src[k * features + f];
        } else {
          dst[f * classes + k] = src[f * old + k];
        }
      }
    }
    replaceInitializer(graph, head.input(1), Tensor.ofFloats(transB ? Shape.of(classes, features)
        : Shape.of(features, classes), dst));
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
    return head;
  }

  private static void replaceInitializer(Graph graph, String name, Tensor value) {
    Tensor old = graph.initializers().put(name, value);
    if (old != null) {
      old.close();
    }
  }
}

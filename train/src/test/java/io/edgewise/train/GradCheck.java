package io.edgewise.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Finite-difference gradient checks of single-node graphs: the loss is sum(y * r) for a fixed random r, so the
 * analytic gradient from {@link TrainGraph#backward} (seeded with r) must match central differences of the forward
 * pass for every input and parameter element (up to a sample of 40 per tensor).
 */
final class GradCheck {
  private final String op;
  private final Map<String, HeapTensor> inputs = new LinkedHashMap<>();
  private final Map<String, HeapTensor> params = new LinkedHashMap<>();
  private final Map<String, HeapTensor> fixedParams = new LinkedHashMap<>();
  private final Map<String, long[]> intParams = new LinkedHashMap<>();
  private final List<Attribute> attributes = new ArrayList<>();
  private final List<String> order = new ArrayList<>();
  private int opset = 17;
  private final Random random;
  private boolean training = true;

  GradCheck(String op, long seed) {
    this.op = op;
    this.random = new Random(seed);
  }

  /** A differentiable graph input with uniform random values in [lo, hi]. */
  GradCheck input(String name, double lo, double hi, int... shape) {
    inputs.put(name, random(lo, hi, shape));
    order.add(name);
    return this;
  }

  GradCheck input(String name, HeapTensor value) {
    inputs.put(name, value);
    order.add(name);
    return this;
  }

  /** A trainable initializer. */
  GradCheck param(String name, double lo, double hi, int... shape) {
    params.put(name, random(lo, hi, shape));
    order.add(name);
    return this;
  }

  /** A float initializer that does not train (Clip's bounds). */
  GradCheck fixed(String name, float... values) {
    fixedParams.put(name, new HeapTensor(values, new int[] {values.length}));
    order.add(name);
    return this;
  }

  GradCheck constant(String name, long... values) {
    intParams.put(name, values);
    order.add(name);
    return this;
  }

  GradCheck absent() {
    order.add("");
    return this;
  }

  GradCheck attr(Attribute a) {
    attributes.add(a);
    return this;
  }

  GradCheck opset(int v) {
    opset = v;
    return this;
  }

  GradCheck inference() {
    training = false;
    return this;
  }

  HeapTensor random(double lo, double hi, int... shape) {
    HeapTensor t = HeapTensor.zeros(shape);
    for (int i = 0; i < t.size(); i++) {
      t.data()[i] = (float) (lo + (hi - lo) * random.nextDouble());
    }
    return t;
  }

  /** The single-node graph (the caller owns it). */
  Graph graph() {
    Graph g = new Graph("gradcheck_" + op);
    for (Map.Entry<String, HeapTensor> e : inputs.entrySet()) {
      g.inputs().add(ValueInfo.tensor(e.getKey(), DType.FLOAT32, Shape.of(e.getValue().shape())));
    }
    params.forEach((k, v) -> g.initializers().put(k, Tensor.ofFloats(Shape.of(v.shape()), v.data())));
    fixedParams.forEach((k, v) -> g.initializers().put(k, Tensor.ofFloats(Shape.of(v.shape()), v.data())));
    intParams.forEach((k, v) -> g.initializers().put(k, Tensor.ofLongs(DType.INT64, Shape.of(v.length), v)));
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attributes.forEach(a -> attrs.put(a.name(), a));
    g.nodes().add(new Node("n", op, "", order, List.of("y"), attrs));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32));
    return g;
  }

  /** The graph as a model of this opset, for a Session on the reference backend (the caller owns it). */
  Model model() {
    return new Model(graph(), Map.of("", (long) opset), 8, "gradcheck", null, null);
  }

  /** Builds the trainable graph for the given kernels; BN nodes train (batch statistics) unless inference(). */
  TrainGraph build(TrainingKernels kernels, Set<String> trainable) {
    try (Graph g = graph()) {
      return new TrainGraph(g, opset, kernels, trainable, inputs.keySet());
    }
  }

  TrainGraph build(TrainingKernels kernels) {
    return build(kernels, training ? params.keySet() : Set.of());
  }

  Map<String, HeapTensor> inputs() {
    return inputs;
  }

  /** Output of a forward pass (training mode as configured, running statistics untouched). */
  HeapTensor forward(TrainGraph g) {
    return g.forward(inputs, training, false).value("y");
  }

  /** Analytic gradients seeded with r. */
  Map<String, HeapTensor> gradients(TrainGraph g, HeapTensor r) {
    TrainGraph.Pass pass = g.forward(inputs, true, false);
    return g.backward(pass, Map.of("y", r));
  }

  /** Checks every differentiable tensor; returns the largest relative error seen. */
  double check(double eps, double tolerance) {
    TrainGraph g = build(new ReferenceTrainingKernels());
    HeapTensor y = forward(g);
    HeapTensor r = random(-1, 1, y.shape());
    Map<String, HeapTensor> analytic = training ? gradients(g, r) : inferenceGradients(g, r);
    Map<String, HeapTensor> targets = new HashMap<>(inputs);
    if (training) {
      params.keySet().forEach(k -> targets.put(k, g.parameters().get(k)));
    }
    double worst = 0;
    for (Map.Entry<String, HeapTensor> e : targets.entrySet()) {
      HeapTensor t = e.getValue();
      HeapTensor a = analytic.get(e.getKey());
      assertTrue(a != null, op + ": no gradient for " + e.getKey());
      int step = Math.max(1, t.size() / 40);
      for (int i = 0; i < t.size(); i += step) {
        float saved = t.data()[i];
        t.data()[i] = (float) (saved + eps);
        double plus = dot(forward(g), r);
        t.data()[i] = (float) (saved - eps);
        double minus = dot(forward(g), r);
        t.data()[i] = saved;
        double numeric = (plus - minus) / (2 * eps);
        double err = Math.abs(numeric - a.data()[i]) / Math.max(1, Math.abs(numeric));
        worst = Math.max(worst, err);
        assertTrue(err <= tolerance, op + ": d loss / d " + e.getKey() + "[" + i + "] analytic " + a.data()[i]
            + ", finite difference " + numeric + " (relative error " + err + " > " + tolerance + ")");
      }
    }
    return worst;
  }

  /** Gradients with frozen (inference-mode) parameters: only the inputs differentiate. */
  private Map<String, HeapTensor> inferenceGradients(TrainGraph g, HeapTensor r) {
    TrainGraph.Pass pass = g.forward(inputs, true, false);
    return g.backward(pass, Map.of("y", r));
  }

  @Override
  public String toString() {
    return op + " " + order + " " + attributes;
  }

  static double dot(HeapTensor y, HeapTensor r) {
    double s = 0;
    for (int i = 0; i < y.size(); i++) {
      s += (double) y.data()[i] * r.data()[i];
    }
    return s;
  }
}

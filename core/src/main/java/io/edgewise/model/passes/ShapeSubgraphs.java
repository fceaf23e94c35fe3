package io.edgewise.model.passes;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the shape arithmetic of a graph: the nodes whose outputs depend only on the shapes of the graph inputs, not
 * on their values (exporters' Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains, the Cast and int64 Slice of
 * a head that flattens [N, C, 1, W]). Constant folding cannot remove them at load time, because a dynamic input's
 * shape is not known yet; once it is (an executor's run of one input shape), every such node computes the same
 * value on every run of that shape, so the executor may compute them once per input shape and skip them afterwards.
 *
 * <p>The analysis is conservative. A value's shape is known from the input shapes when the op producing it takes its
 * output shape from its inputs' shapes and attributes alone (elementwise, convolutions, pooling, MatMul, Concat,
 * Transpose, ...: {@link #SHAPE_FROM_SHAPES}), or also from parameter inputs whose values are themselves known
 * (Reshape's shape, Slice's starts, Resize's sizes, ...: {@link #SHAPE_PARAMETERS}). Any other op (NonZero, TopK
 * over data, Loop, If, an unknown domain) ends the chain. A value is known outright when it is an initializer, the
 * output of Shape or Size of a value whose shape is known, or the output of a deterministic op whose inputs are all
 * known. Random ops and ops with sub-graphs are never known.
 */
public final class ShapeSubgraphs {
  private ShapeSubgraphs() {}

  /** Ops whose outputs' values depend on their input's shape only. */
  private static final Set<String> SHAPE_READERS = Set.of("Shape", "Size");

  /** Ops that are never evaluated ahead: their values differ from run to run. */
  private static final Set<String> RANDOM = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike",
      "RandomUniformLike", "Multinomial", "Bernoulli");

  /** Default-domain ops whose output shapes follow from their inputs' shapes and their attributes alone. */
  static final Set<String> SHAPE_FROM_SHAPES = Set.of(
      // unary elementwise (Clip's bounds and CumSum's axis change values, not shapes)
      "Abs", "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "Ceil", "Celu", "Cos", "Cosh", "Elu", "Erf", "Exp",
      "Floor", "Gelu", "HardSigmoid", "HardSwish", "Hardmax", "Identity", "IsInf", "IsNaN", "LeakyRelu", "Log",
      "LogSoftmax", "Mish", "Neg", "Not", "Reciprocal", "Relu", "Round", "Selu", "Shrink", "Sigmoid", "Sign", "Sin",
      "Sinh", "Softplus", "Softsign", "Softmax", "Sqrt", "Tan", "Tanh", "ThresholdedRelu", "Cast", "CastLike",
      "BitwiseNot", "Clip", "Dropout", "CumSum", "Trilu",
      // broadcasting elementwise
      "Add", "Sub", "Mul", "Div", "Pow", "Mod", "And", "Or", "Xor", "Equal", "Greater", "GreaterOrEqual", "Less",
      "LessOrEqual", "Max", "Min", "Mean", "Sum", "Where", "PRelu", "BitShift", "BitwiseAnd", "BitwiseOr",
      "BitwiseXor",
      // layers
      "Conv", "ConvInteger", "ConvTranspose", "QLinearConv", "AveragePool", "MaxPool", "LpPool", "GlobalAveragePool",
      "GlobalMaxPool", "GlobalLpPool", "BatchNormalization", "InstanceNormalization", "LayerNormalization",
      "GroupNormalization", "LpNormalization", "LRN", "MeanVarianceNormalization", "Gemm", "MatMul",
      "MatMulInteger", "QLinearMatMul", "QuantizeLinear", "DequantizeLinear", "Einsum",
      // data movement whose geometry is in attributes or in the indices' shape
      "Flatten", "Transpose", "Concat", "DepthToSpace", "SpaceToDepth", "Gather", "GatherElements", "GatherND",
      "ScatterElements", "ScatterND", "Scatter", "ArgMax", "ArgMin", "Shape", "Size", "ReverseSequence");

  /**
   * Ops whose output shapes also follow from the values of some inputs (by index): known when those are. The
   * reductions' axes are an input from opset 13 (ReduceSum) or 18 (the others); before that they are attributes and
   * the input is absent.
   */
  static final Map<String, Set<Integer>> SHAPE_PARAMETERS = Map.ofEntries(
      Map.entry("Reshape", Set.of(1)), Map.entry("Expand", Set.of(1)), Map.entry("Tile", Set.of(1)),
      Map.entry("Slice", Set.of(1, 2, 3, 4)), Map.entry("Resize", Set.of(1, 2, 3)), Map.entry("Upsample", Set.of(1)),
      Map.entry("Pad", Set.of(1, 3)), Map.entry("Squeeze", Set.of(1)), Map.entry("Unsqueeze", Set.of(1)),
      Map.entry("Split", Set.of(1)), Map.entry("ConstantOfShape", Set.of(0)), Map.entry("Range", Set.of(0, 1, 2)),
      Map.entry("TopK", Set.of(1)), Map.entry("OneHot", Set.of(1)), Map.entry("CenterCropPad", Set.of(1)),
      Map.entry("ReduceSum", Set.of(1)), Map.entry("ReduceMean", Set.of(1)), Map.entry("ReduceMax", Set.of(1)),
      Map.entry("ReduceMin", Set.of(1)), Map.entry("ReduceProd", Set.of(1)), Map.entry("ReduceL1", Set.of(1)),
      Map.entry("ReduceL2", Set.of(1)), Map.entry("ReduceLogSum", Set.of(1)), Map.entry("ReduceLogSumExp", Set.of(1)),
      Map.entry("ReduceSumSquare", Set.of(1)));

  /**
   * The domain of Edgewise's own ops (io.edgewise.FusedConv, the cpu device's blocked and fused elementwise ops):
   * their geometry is in attributes, their output shapes follow from their inputs' shapes, and they are
   * deterministic.
   */
  private static final String OWN_DOMAIN = "io.edgewise";

  /**
   * For each node of g (in order), whether all its outputs depend only on the graph inputs' shapes and on
   * initializers, so that one evaluation per input shape serves every run of that shape. Nodes that produce a graph
   * output are left out (a run hands its outputs to the caller). Nodes are expected in topological order.
   */
  public static boolean[] shapeDetermined(Graph g) {
    List<Node> nodes = g.nodes();
    Set<String> shapeKnown = new HashSet<>(g.inputNames());
    shapeKnown.addAll(g.initializers().keySet());
    Set<String> valueKnown = new HashSet<>(g.initializers().keySet());
    g.inputNames().forEach(valueKnown::remove);  // an input may override an initializer of its name
    shapeKnown.addAll(valueKnown);
    boolean[] out = new boolean[nodes.size()];
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      if (hasSubgraph(n)) {
        continue;  // a branch may read any outer value
      }
      boolean values = valuesKnown(n, valueKnown, shapeKnown);
      boolean shapes = values || shapesKnown(n, valueKnown, shapeKnown);
      for (String o : n.outputs()) {
        if (o.isEmpty()) {
          continue;
        }
        if (values) {
          valueKnown.add(o);
        }
        if (shapes) {
          shapeKnown.add(o);
        }
      }
      out[i] = values && !n.outputs().isEmpty() && n.outputs().stream().noneMatch(g::isOutput);
    }
    return out;
  }

  /** Whether n's outputs are known values: Shape/Size of a known shape, or a deterministic op of known values. */
  private static boolean valuesKnown(Node n, Set<String> valueKnown, Set<String> shapeKnown) {
    boolean onnx = isOnnx(n.domain());
    if (!onnx && !n.domain().startsWith(OWN_DOMAIN) || RANDOM.contains(n.opType())) {
      return false;
    }
    if (onnx && SHAPE_READERS.contains(n.opType())) {
      return n.hasInput(0) && shapeKnown.contains(n.input(0));
    }
    for (String in : n.inputs()) {
      if (!in.isEmpty() && !valueKnown.contains(in)) {
        return false;
      }
    }
    return true;
  }

  /** Whether n's output shapes follow from known input shapes (and the known values of its shape parameters). */
  private static boolean shapesKnown(Node n, Set<String> valueKnown, Set<String> shapeKnown) {
    Set<Integer> parameters;
    boolean onnx = isOnnx(n.domain());
    if (n.domain().startsWith(OWN_DOMAIN) || onnx && SHAPE_FROM_SHAPES.contains(n.opType())) {
      parameters = Set.of();
    } else if (onnx && SHAPE_PARAMETERS.containsKey(n.opType())) {
      parameters = SHAPE_PARAMETERS.get(n.opType());
    } else {
      return false;
    }
    for (int k = 0; k < n.inputs().size(); k++) {
      String in = n.input(k);
      if (!in.isEmpty() && !(parameters.contains(k) ? valueKnown : shapeKnown).contains(in)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isOnnx(String domain) {
    return domain.isEmpty() || domain.equals("ai.onnx");
  }

  private static boolean hasSubgraph(Node n) {
    for (Attribute a : n.attributes().values()) {
      if (a.kind() == Attribute.Kind.GRAPH || a.kind() == Attribute.Kind.GRAPHS) {
        return true;
      }
    }
    return false;
  }
}

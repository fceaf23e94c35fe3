package io.edgewise.train.ops;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Node;
import java.util.Map;
import java.util.Set;

/** The ops training can differentiate, and which of their inputs are learnable parameters when constant. */
public final class OpGradients {
  private static final Map<String, OpGradient> OPS = Map.ofEntries(
      Map.entry("Conv", new ConvGradient()),
      Map.entry("Gemm", new GemmGradient()),
      Map.entry("MatMul", new MatMulGradient()),
      Map.entry("Relu", new ActivationGradient()),
      Map.entry("LeakyRelu", new ActivationGradient()),
      Map.entry("Clip", new ActivationGradient()),
      Map.entry("MaxPool", new PoolGradient()),
      Map.entry("AveragePool", new PoolGradient()),
      Map.entry("GlobalAveragePool", new GlobalAveragePoolGradient()),
      Map.entry("BatchNormalization", new BatchNormGradient()),
      Map.entry("Add", new AddGradient()),
      Map.entry("Concat", new ConcatGradient()),
      Map.entry("Flatten", new ReshapeGradient()),
      Map.entry("Reshape", new ReshapeGradient()),
      Map.entry("Identity", new ReshapeGradient()),
      Map.entry("Dropout", new ReshapeGradient()));

  private static final Map<String, Set<Integer>> PARAMETER_INPUTS = Map.of(
      "Conv", Set.of(1, 2),
      "Gemm", Set.of(0, 1, 2),
      "MatMul", Set.of(0, 1),
      "BatchNormalization", Set.of(1, 2),
      "Add", Set.of(0, 1));

  private OpGradients() {}

  public static boolean supports(String opType) {
    return OPS.containsKey(opType);
  }

  public static Set<String> supportedOps() {
    return new java.util.TreeSet<>(OPS.keySet());
  }

  public static OpGradient of(Node node) {
    OpGradient op = node.domain().isEmpty() ? OPS.get(node.opType()) : null;
    if (op == null) {
      throw EdgewiseException.notImplemented(node.describe() + " cannot be trained: training supports "
          + supportedOps());
    }
    return op;
  }

  /** Whether input {@code index} of the node is a learnable parameter when an initializer feeds it. */
  public static boolean isParameterInput(Node node, int index) {
    return PARAMETER_INPUTS.getOrDefault(node.opType(), Set.of()).contains(index);
  }

  /** Batch normalization's running statistics: state that training updates but no optimizer touches. */
  public static boolean isRunningStatistic(Node node, int index) {
    return node.opType().equals("BatchNormalization") && (index == 3 || index == 4);
  }
}

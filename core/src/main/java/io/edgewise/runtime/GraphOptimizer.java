package io.edgewise.runtime;

import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpKernel;
import io.edgewise.backend.reference.ReferenceBackend;
import io.edgewise.model.Model;
import io.edgewise.model.passes.BatchNormFolding;
import io.edgewise.model.passes.ConstantEvaluator;
import io.edgewise.model.passes.ConstantFolding;
import io.edgewise.model.passes.ConvFusion;
import io.edgewise.model.passes.GraphPass;
import io.edgewise.model.passes.IdentityElimination;
import io.edgewise.model.passes.QdqConvFusion;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorScope;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The graph passes a session applies before compiling (unless SessionOptions.optimize is off), in order:
 * QDQ convolutions to QLinearConv, constant folding on the reference kernels, Identity/Dropout removal, BatchNorm
 * folding, Conv fusion. Each pass logs (debug) how it changed the op counts.
 */
final class GraphOptimizer {
  private static final Logger LOG = LoggerFactory.getLogger(GraphOptimizer.class);

  private GraphOptimizer() {}

  static void optimize(Model model) {
    // Folding first turns Constant nodes (Clip bounds, Dropout's training_mode, weights) into initializers, which
    // the Dropout removal, BatchNorm folding and fusion then recognise as constants.
    // The QDQ fusion comes before folding, which would dequantize the int8 weights back to float.
    List<GraphPass> passes = List.of(new QdqConvFusion(), new ConstantFolding(referenceEvaluator()),
        new IdentityElimination(), new BatchNormFolding(), new ConvFusion());
    for (GraphPass pass : passes) {
      Map<String, Integer> before = model.graph().opCounts();
      int changed = pass.apply(model);
      if (changed > 0 && LOG.isDebugEnabled()) {
        LOG.debug("{}: {} changed {} nodes: {}", model.label(), pass.name(), changed,
            difference(before, model.graph().opCounts()));
      }
    }
  }

  /** "Conv -17, FusedConv +17, Relu -17": how the op counts moved. */
  static String difference(Map<String, Integer> before, Map<String, Integer> after) {
    Map<String, Integer> delta = new TreeMap<>();
    before.forEach((op, n) -> delta.merge(op, -n, Integer::sum));
    after.forEach((op, n) -> delta.merge(op, n, Integer::sum));
    StringBuilder b = new StringBuilder();
    delta.forEach((op, d) -> {
      if (d != 0) {
        b.append(b.length() == 0 ? "" : ", ").append(op).append(d > 0 ? " +" : " ").append(d);
      }
    });
    return b.length() == 0 ? "rewired, same op counts" : b.toString();
  }

  /** Folding computes with the oracle's kernels (plain Java, no fast path), so folded values are exact. */
  static ConstantEvaluator referenceEvaluator() {
    BackendOptions exact = BackendOptions.defaults().withThreads(1);
    return (node, inputs, opset) -> {
      OpKernel kernel = ReferenceBackend.registry().get(node.domain(), node.opType());
      if (kernel == null) {
        throw io.edgewise.EdgewiseException.notImplemented(node.describe() + " has no reference kernel");
      }
      try (TensorScope scope = TensorScope.open()) {
        Tensor[] results = kernel.compute(new OpContext(node, opset, exact), inputs);
        scope.keep(results);
        return results;
      } catch (RuntimeException e) {
        throw e instanceof io.edgewise.EdgewiseException ee ? ee
            : io.edgewise.EdgewiseException.invalidModel(node.describe() + ": " + e);
      }
    };
  }
}

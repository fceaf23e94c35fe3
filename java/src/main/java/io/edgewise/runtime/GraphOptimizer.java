package io.edgewise.runtime;

import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.reference.OpContext;
import io.edgewise.backend.reference.OpKernel;
import io.edgewise.backend.reference.ReferenceBackend;
import io.edgewise.model.Model;
import io.edgewise.model.passes.BatchNormFolding;
import io.edgewise.model.passes.ConstantEvaluator;
import io.edgewise.model.passes.ConstantFolding;
import io.edgewise.model.passes.ConvFusion;
import io.edgewise.model.passes.GraphPass;
import io.edgewise.model.passes.IdentityElimination;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorScope;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The graph passes a session applies before compiling (unless SessionOptions.optimize is off), in order:
 * Identity/Dropout removal, constant folding on the reference kernels, BatchNorm folding, Conv fusion.
 */
final class GraphOptimizer {
  private static final Logger LOG = LoggerFactory.getLogger(GraphOptimizer.class);

  private GraphOptimizer() {}

  static void optimize(Model model) {
    List<GraphPass> passes = List.of(new IdentityElimination(), new ConstantFolding(referenceEvaluator()),
        new BatchNormFolding(), new ConvFusion());
    for (GraphPass pass : passes) {
      int before = model.graph().nodes().size();
      int changed = pass.apply(model);
      if (changed > 0) {
        LOG.debug("{}: {} changed {} nodes ({} -> {} nodes)", model.label(), pass.name(), changed, before,
            model.graph().nodes().size());
      }
    }
  }

  /** Folding computes with the oracle's kernels (plain Java, no fast path), so folded values are exact. */
  static ConstantEvaluator referenceEvaluator() {
    BackendOptions exact = new BackendOptions(1, false);
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

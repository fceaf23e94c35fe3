package io.edgewise.backend.opencl;

import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * Conv and io.edgewise.FusedConv (bias, residual, activation) on the device: 2-D, float32, constant weights. One
 * {@link ClConvolution} per input shape, planned on first use with the tuned (or default) tiles.
 */
final class ConvNodeOp implements ClNodeOp {
  private final boolean fused;
  /** Planned per input shape (and, for computed weights, per weight shape and bias presence). */
  private final Map<java.util.List<Object>, ClConvolution> planned = new HashMap<>();

  ConvNodeOp(boolean fused) {
    this.fused = fused;
  }

  @Override
  public DeviceTensor[] run(NodeArgs a) {
    Node node = a.node();
    // constant weights and bias are uploaded once per plan; computed ones are read from their device buffers
    Tensor w = a.constant(1);
    Tensor bias = a.present(2) ? a.constant(2) : null;
    boolean constant = w != null && (!a.present(2) || bias != null);
    boolean hasResidual = fused && a.present(3);
    if (a.shape(0).rank() != 4 || a.shape(1).rank() != 4 || a.shape(0).numElements() == 0) {
      return null;
    }
    int[] act = Activations.of(node, fused);
    if (act == null) {
      return null;
    }
    java.util.List<Object> key = constant ? java.util.List.of(a.shape(0))
        : java.util.List.of(a.shape(0), a.shape(1), a.present(2));
    ClConvolution conv = planned.get(key);
    if (conv == null) {
      conv = plan(a, constant ? w : null, constant ? bias : null, a.present(2) ? a.shape(2).numElements() : -1);
      planned.put(key, conv);
    }
    ConvProblem p = conv.problem();
    Shape out = Shape.of(p.n(), p.k(), p.oh(), p.ow());
    if (hasResidual && !a.shape(3).equals(out)) {
      return null;  // the reference kernel reports the mismatch against the node
    }
    DeviceTensor y = a.allocate(out);
    ClBuffer residual = hasResidual ? a.device(3).buffer() : null;
    float alpha = Float.intBitsToFloat(act[1]);
    float beta = Float.intBitsToFloat(act[2]);
    long ns = constant
        ? conv.enqueue(node, a.device(0).buffer(), residual, y.buffer(), act[0], alpha, beta, a.profile())
        : conv.enqueue(node, a.device(0).buffer(), a.device(1).buffer(), a.present(2) ? a.device(2).buffer() : null,
            residual, y.buffer(), act[0], alpha, beta, a.profile());
    if (a.profile()) {
      a.addDeviceNanos(ns);
    }
    return new DeviceTensor[] {y};
  }

  private static ClConvolution plan(NodeArgs a, Tensor w, Tensor bias, long biasSize) {
    ConvProblem p = ConvProblems.of(a.node(), a.opset(), a.shape(0), a.shape(1));
    if (biasSize >= 0 && biasSize != p.k()) {
      throw new OpContext(a.node(), a.opset(), BackendOptions.defaults()).invalid("bias B has " + biasSize
          + " elements for " + p.k() + " output channels");
    }
    ConvChoice choice = a.conv(p, w != null);
    boolean half = a.halfWeights() && w != null;
    return ClConvolution.create(a.programs(), p, choice.algorithm(), choice.tiles(), w == null ? null : w.toFloatArray(),
        bias == null ? null : bias.toFloatArray(), half);
  }

  /** The convolutions planned so far (for the tuning report and tests). */
  java.util.Collection<ClConvolution> planned() {
    return planned.values();
  }

  @Override
  public void close() {
    planned.values().forEach(ClConvolution::close);
    planned.clear();
  }
}

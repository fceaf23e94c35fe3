package io.edgewise.backend.exec;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.BackendOptions;
import io.edgewise.model.Node;
import io.edgewise.tensor.Tensor;

/**
 * What a kernel may know besides its inputs: the node (attributes), the model's default-domain opset (ops whose
 * semantics changed between opsets branch on it), the backend options, and where to record that it handed the node
 * to another kernel ({@link #fallBack}).
 *
 * @param placements the interpreter's placement table, or null outside an interpreter (a kernel called directly)
 * @param index the node's index in that table
 */
public record OpContext(Node node, int opset, BackendOptions options, Placements placements, int index) {

  /** A context outside any interpreter: fallbacks are not recorded. */
  public OpContext(Node node, int opset, BackendOptions options) {
    this(node, opset, options, null, -1);
  }

  /**
   * Hands the node to another kernel (a device kernel declining inputs it does not take, e.g. float64 or a 3-D
   * convolution) and records why in the session's placement, so a fallback is never silent.
   */
  public Tensor[] fallBack(String reason, OpKernel other, Tensor[] inputs) {
    if (placements != null) {
      placements.fellBack(index, other instanceof OpRegistry.Entry e ? e.device() : "ref", reason);
    }
    return other.compute(this, inputs);
  }

  /** The input, refusing null with a message naming the node and the input index. */
  public Tensor required(Tensor[] inputs, int index) {
    if (index >= inputs.length || inputs[index] == null) {
      throw EdgewiseException.invalidModel(node.describe() + " input[" + index + "] is required but missing");
    }
    return inputs[index];
  }

  /** An error about this node, for kernels to throw on bad attributes or shapes. */
  public EdgewiseException invalid(String what) {
    return EdgewiseException.invalidModel(node.describe() + ": " + what);
  }

  public EdgewiseException notImplemented(String what) {
    return EdgewiseException.notImplemented(node.describe() + ": " + what);
  }

  public boolean wantsOutput(int index) {
    return node.hasOutput(index);
  }
}

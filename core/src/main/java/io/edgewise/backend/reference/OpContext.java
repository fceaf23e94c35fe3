package io.edgewise.backend.reference;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.BackendOptions;
import io.edgewise.model.Node;
import io.edgewise.tensor.Tensor;

/**
 * What a kernel may know besides its inputs: the node (attributes), the model's default-domain opset (ops whose
 * semantics changed between opsets branch on it), and the backend options.
 */
public record OpContext(Node node, int opset, BackendOptions options) {

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

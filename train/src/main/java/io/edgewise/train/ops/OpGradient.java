package io.edgewise.train.ops;

import io.edgewise.train.HeapTensor;

/**
 * Forward and backward of one op type for training. forward() returns the outputs and whatever backward() needs
 * beyond the inputs (a max-pool's argmax, a batch norm's batch statistics); backward() returns one gradient per input,
 * null where {@code wanted[i]} is false or the input has no gradient (shapes, indices).
 */
public interface OpGradient {
  Forward forward(OpCall call, HeapTensor[] inputs);

  HeapTensor[] backward(OpCall call, HeapTensor[] inputs, Forward forward, HeapTensor[] outputGradients,
      boolean[] wanted);

  /** Outputs of a forward pass plus the values it saved for the backward pass. */
  record Forward(HeapTensor[] outputs, Object saved) {
    public static Forward of(HeapTensor... outputs) {
      return new Forward(outputs, null);
    }
  }
}

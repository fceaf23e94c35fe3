package io.edgewise.train.ops;

import io.edgewise.train.HeapTensor;
import java.util.Arrays;

/**
 * Ops that only relabel the shape (Flatten, Reshape, Identity, and Dropout outside training): the gradient is dy
 * with the input's shape. A Reshape to a constant shape with batch 1, as exporters write for batch-1 models, keeps
 * the batch of its input instead (the only reading under which the element counts agree).
 */
final class ReshapeGradient implements OpGradient {
  @Override
  public Forward forward(OpCall call, HeapTensor[] in) {
    HeapTensor x = in[0];
    int[] shape = switch (call.node().opType()) {
      case "Flatten" -> flatten(call, x);
      case "Reshape" -> reshape(call, x);
      default -> x.shape();
    };
    return Forward.of(x.reshaped(shape));
  }

  @Override
  public HeapTensor[] backward(OpCall call, HeapTensor[] in, Forward fwd, HeapTensor[] dOut, boolean[] wanted) {
    HeapTensor[] grads = new HeapTensor[in.length];
    if (wanted[0]) {
      grads[0] = dOut[0].reshaped(in[0].shape());
    }
    return grads;
  }

  private static int[] flatten(OpCall call, HeapTensor x) {
    long axis = call.node().attrInt("axis", 1);
    if (axis < -x.rank() || axis > x.rank()) {
      throw call.invalid("axis " + axis + " outside [" + -x.rank() + ", " + x.rank() + "]");
    }
    int a = (int) (axis < 0 ? axis + x.rank() : axis);
    int outer = 1;
    for (int d = 0; d < a; d++) {
      outer *= x.dim(d);
    }
    return new int[] {outer, x.size() / Math.max(1, outer)};
  }

  private static int[] reshape(OpCall call, HeapTensor x) {
    long[] target = call.intConstant(1);
    if (target == null) {
      throw call.notImplemented("Reshape to a computed shape");
    }
    boolean allowZero = call.node().attrInt("allowzero", 0) != 0;
    int[] shape = new int[target.length];
    int inferred = -1;
    long known = 1;
    for (int i = 0; i < target.length; i++) {
      if (target[i] == -1) {
        inferred = i;
        continue;
      }
      shape[i] = (int) (target[i] == 0 && !allowZero && i < x.rank() ? x.dim(i) : target[i]);
      known *= shape[i];
    }
    if (inferred < 0 && known != x.size() && target.length > 0 && shape[0] == 1 && x.rank() > 0
        && known * x.dim(0) == x.size()) {
      shape[0] = x.dim(0);  // a batch-1 constant shape applied to a batch
      known *= x.dim(0);
    }
    if (inferred >= 0) {
      if (known == 0 || x.size() % known != 0) {
        throw call.invalid("cannot reshape " + x.describe() + " to " + Arrays.toString(target));
      }
      shape[inferred] = (int) (x.size() / known);
    } else if (known != x.size()) {
      throw call.invalid("cannot reshape " + x.describe() + " to " + Arrays.toString(target));
    }
    return shape;
  }
}

package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import java.util.Random;

/**
 * Dropout: the identity at inference. In training mode (opset >= 12: input 2 true) each element is kept with
 * probability 1 - ratio and scaled by 1 / (1 - ratio); the `seed` attribute makes the mask reproducible.
 */
final class DropoutKernel {
  private DropoutKernel() {}

  static Tensor[] compute(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    double ratio;
    boolean training;
    if (ctx.opset() >= 12) {
      ratio = in.length > 1 && in[1] != null ? scalar(ctx, in, 1).getDouble(0) : 0.5;
      training = in.length > 2 && in[2] != null && scalar(ctx, in, 2).getBool(0);
    } else {
      ratio = ctx.node().attrFloat("ratio", 0.5f);
      training = false;
    }
    if (ratio < 0 || ratio >= 1) {
      throw ctx.invalid("ratio " + ratio + " must lie in [0, 1)");
    }
    // opsets 7 to 9 give the mask x's type, 10 on a bool tensor
    Tensor mask = Tensor.allocate(ctx.opset() < 10 ? x.dtype() : DType.BOOL, x.shape());
    Tensor y;
    if (!training || ratio == 0) {
      y = x.copy();
      for (long i = 0; i < mask.size(); i++) {
        mask.setLong(i, 1);
      }
    } else {
      Random rnd = ctx.node().hasAttr("seed") ? new Random(ctx.node().attrInt("seed", 0)) : new Random();
      y = Tensor.allocate(x.dtype(), x.shape());
      double scale = 1 / (1 - ratio);
      for (long i = 0; i < x.size(); i++) {
        boolean keep = rnd.nextDouble() >= ratio;
        mask.setLong(i, keep ? 1 : 0);
        y.setDouble(i, keep ? x.getDouble(i) * scale : 0);
      }
    }
    if (!ctx.wantsOutput(1)) {
      mask.close();
      mask = null;
    }
    return new Tensor[] {y, mask};
  }

  private static Tensor scalar(OpContext ctx, Tensor[] in, int index) {
    if (in[index].size() != 1) {
      throw ctx.invalid("input[" + index + "] must be a scalar, got shape " + in[index].shape());
    }
    return in[index];
  }
}

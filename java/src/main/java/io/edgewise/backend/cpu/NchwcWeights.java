package io.edgewise.backend.cpu;

import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * Convolution weights packed once per session for the NCHWc direct convolution ([out block][in block][kh][kw]
 * [in channel][B]). The layout depends on whether the input is blocked, so both forms may exist for one weight.
 * Owned by one executable and closed with it.
 */
final class NchwcWeights implements AutoCloseable {
  private final Map<String, Tensor> packed = new HashMap<>();

  /** Packs the weights of every NchwcConv of a planned graph. */
  static NchwcWeights of(Graph g) {
    NchwcWeights weights = new NchwcWeights();
    try {
      for (Node n : g.nodes()) {
        if (!n.opType().equals("NchwcConv") || !n.domain().equals(NchwcPlan.DOMAIN)) {
          continue;
        }
        boolean blocked = n.attrInt("input_blocked", 1) == 1;
        String key = key(n.input(1), blocked);
        if (weights.packed.containsKey(key)) {
          continue;
        }
        Tensor w = g.initializers().get(n.input(1));
        long group = n.attrInt("group", 1);
        long[] d = w.shape().dims();
        // packing depends on the channel counts and kernel only: a 1x1 output stands in for the spatial sizes
        long[] geometry = {1, d[1] * group, d[2], d[3], d[0], 1, 1, d[2], d[3], 1, 1, 1, 1, 0, 0, group};
        long size = NativeCore.nchwcConvWeightsSize(geometry, blocked);
        if (size <= 0) {
          throw new IllegalStateException(n.describe() + ": planned for NCHWc but the native core refuses it");
        }
        Tensor t = Tensor.allocate(DType.FLOAT32, Shape.of(size));
        weights.packed.put(key, t);
        NativeCore.nchwcConvPackWeights(geometry, blocked, w.nativeAddress(), t.nativeAddress());
      }
      return weights;
    } catch (RuntimeException e) {
      weights.close();
      throw e;
    }
  }

  private static String key(String weight, boolean inputBlocked) {
    return weight + (inputBlocked ? "|blocked" : "|nchw");
  }

  /** The packed form of a weight initializer for a blocked or NCHW input, or null. */
  Tensor get(String weight, boolean inputBlocked) {
    return packed.get(key(weight, inputBlocked));
  }

  @Override
  public void close() {
    packed.values().forEach(Tensor::close);
    packed.clear();
  }
}

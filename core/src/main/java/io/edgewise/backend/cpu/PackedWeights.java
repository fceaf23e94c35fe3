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
 * Convolution weights packed once, when a session compiles, in the native GEMM's panel layout: each inference then
 * skips repacking them (for ResNet-18's last stage that packing cost about as much as a third of the layer). Owned by
 * one executable and closed with it.
 */
final class PackedWeights implements AutoCloseable {
  private final Map<String, Tensor> byWeight = new HashMap<>();

  /** Packs the weights of every float32 2-D Conv/FusedConv whose W is an initializer. */
  static PackedWeights of(Graph g) {
    PackedWeights packed = new PackedWeights();
    try {
      for (Node n : g.nodes()) {
        if (!n.opType().equals("Conv") && !n.opType().equals("FusedConv")) {
          continue;
        }
        Tensor w = g.initializers().get(n.input(1));
        if (w == null || w.dtype() != DType.FLOAT32 || w.shape().rank() != 4
            || packed.byWeight.containsKey(n.input(1))) {
          continue;
        }
        long group = n.attrInt("group", 1);
        long[] d = w.shape().dims();
        // packing depends on the channel counts and kernel only: a 1x1 output stands in for the spatial sizes
        long[] geometry = {1, d[1] * group, d[2], d[3], d[0], 1, 1, d[2], d[3], 1, 1, 1, 1, 0, 0, group};
        if (group <= 0 || d[0] % group != 0) {
          continue;  // the kernel reports the bad attribute when it runs
        }
        long size = NativeCore.conv2dPackedWeightsSize(geometry);
        if (size == 0) {
          continue;  // depthwise: its direct kernel reads the weights as they are
        }
        Tensor t = Tensor.allocate(DType.FLOAT32, Shape.of(size));
        NativeCore.conv2dPackWeights(geometry, w.nativeAddress(), t.nativeAddress());
        packed.byWeight.put(n.input(1), t);
      }
      return packed;
    } catch (RuntimeException e) {
      packed.close();
      throw e;
    }
  }

  /** The packed form of the named weight initializer, or null. */
  Tensor get(String weightName) {
    return byWeight.get(weightName);
  }

  @Override
  public void close() {
    byWeight.values().forEach(Tensor::close);
    byWeight.clear();
  }
}

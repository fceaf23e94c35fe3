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

  /** Packs the weights of every NchwcConv of a planned graph (and of the convolutions an NchwcConcatConv runs). */
  static NchwcWeights of(Graph g) {
    NchwcWeights weights = new NchwcWeights();
    try {
      for (Node n : g.nodes()) {
        if (!n.domain().equals(NchwcPlan.DOMAIN)) {
          continue;
        }
        if (n.opType().equals("NchwcConv")) {
          weights.pack(g, n, n.input(1), n.attrInt("input_blocked", 1) == 1, n.attrInt("group", 1));
        } else if (n.opType().equals("NchwcGroupedConv")) {
          weights.packGrouped(g, n, n.input(1), n.attrInt("group", 1), n.attrInt("unit", 0));
        } else if (n.opType().equals("NchwcConcatConv")) {
          for (int i = 0; i < n.attrInt("parts", 0); i++) {
            weights.pack(g, n, n.input(3 * i + 1), n.attrInt("p" + i + "_input_blocked", 1) == 1,
                n.attrInt("p" + i + "_group", 1));
          }
        }
      }
      return weights;
    } catch (RuntimeException e) {
      weights.close();
      throw e;
    }
  }

  private void pack(Graph g, Node n, String weight, boolean blocked, long group) {
    String key = key(weight, blocked);
    if (packed.containsKey(key)) {
      return;
    }
    Tensor w = g.initializers().get(weight);
    long[] d = w.shape().dims();
    // packing depends on the channel counts and kernel only: a 1x1 output stands in for the spatial sizes
    long[] geometry = {1, d[1] * group, d[2], d[3], d[0], 1, 1, d[2], d[3], 1, 1, 1, 1, 0, 0, group};
    long size = NativeCore.nchwcConvWeightsSize(geometry, blocked);
    if (size <= 0) {
      throw new IllegalStateException(n.describe() + ": planned for NCHWc but the native core refuses it");
    }
    Tensor t = Tensor.allocate(DType.FLOAT32, Shape.of(size));
    packed.put(key, t);
    NativeCore.nchwcConvPackWeights(geometry, blocked, w.nativeAddress(), t.nativeAddress());
  }

  /**
   * A grouped convolution's weights [M, k, KH, KW] as dense convolutions over units of `unit` channels (one after the
   * other, each packed for a blocked input): unit u maps its input channels to its output channels with the group's
   * weights where both are in the same group and zero elsewhere.
   */
  private void packGrouped(Graph g, Node n, String weight, long group, long unit) {
    String key = weight + "|grouped";
    if (packed.containsKey(key)) {
      return;
    }
    Tensor w = g.initializers().get(weight);
    long[] d = w.shape().dims();
    long k = d[1];
    long taps = d[2] * d[3];
    long units = d[0] / unit;
    if (unit <= 0 || d[0] % unit != 0 || unit % k != 0) {
      throw new IllegalStateException(n.describe() + ": groups of " + k + " do not fill units of " + unit);
    }
    long[] geometry = {1, unit, d[2], d[3], unit, 1, 1, d[2], d[3], 1, 1, 1, 1, 0, 0, 1};
    long unitSize = NativeCore.nchwcConvWeightsSize(geometry, true);
    float[] source = w.toFloatArray();
    float[] dense = new float[Math.toIntExact(unit * unit * taps)];
    Tensor t = Tensor.allocate(DType.FLOAT32, Shape.of(units * unitSize));
    packed.put(key, t);
    try (Tensor unitWeights = Tensor.allocate(DType.FLOAT32, Shape.of(unit, unit, d[2], d[3]))) {
      for (long u = 0; u < units; u++) {
        java.util.Arrays.fill(dense, 0f);
        for (long o = 0; o < unit; o++) {
          long oc = u * unit + o;
          long first = (oc / k) * k - u * unit;  // the group's first input channel, within the unit
          for (long i = 0; i < k; i++) {
            for (long tap = 0; tap < taps; tap++) {
              dense[(int) ((o * unit + first + i) * taps + tap)] = source[(int) ((oc * k + i) * taps + tap)];
            }
          }
        }
        unitWeights.setFloats(dense);
        NativeCore.nchwcConvPackWeights(geometry, true, unitWeights.nativeAddress(),
            t.nativeAddress() + 4 * u * unitSize);
      }
    }
  }

  /** The packed units of a grouped convolution's weights (see packGrouped), or null. */
  Tensor getGrouped(String weight) {
    return packed.get(weight + "|grouped");
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

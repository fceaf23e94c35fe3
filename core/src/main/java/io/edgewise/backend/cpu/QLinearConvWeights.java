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
 * QLinearConv's constant operands prepared once, when a session compiles: the 8-bit weights packed in the int8
 * GEMM's layout (ew_qlinear_pack_weights; before, every call packed them again), their zero points as ints and the
 * requantization scales x_scale * w_scale[m] / y_scale (the reference's double arithmetic) where all three scales
 * are initializers. Keyed by the node's output. Owned by one executable and closed with it.
 */
final class QLinearConvWeights implements AutoCloseable {
  /** One node's prepared operands; packed is null for a depthwise convolution (its kernel reads w as it is). */
  record Prepared(Tensor weights, Tensor packed, int[] wZero, double[] scale) {}

  private final Map<String, Prepared> byOutput = new HashMap<>();

  /** Prepares every 2-D QLinearConv whose weights (and their scale and zero point) are initializers. */
  static QLinearConvWeights of(Graph g) {
    QLinearConvWeights q = new QLinearConvWeights();
    try {
      for (Node n : g.nodes()) {
        if ((n.opType().equals("QLinearConv") && n.domain().isEmpty())
            || (n.opType().equals(QuantizedTables.CONV_OP) && n.domain().equals(CpuElementwise.DOMAIN))) {
          q.prepare(g, n);
        }
      }
      return q;
    } catch (RuntimeException e) {
      q.close();
      throw e;
    }
  }

  private void prepare(Graph g, Node n) {
    Map<String, Tensor> init = g.initializers();
    Tensor w = n.inputs().size() > 3 ? init.get(n.input(3)) : null;
    Tensor wScale = n.inputs().size() > 4 ? init.get(n.input(4)) : null;
    String wZeroName = n.inputs().size() > 5 ? n.input(5) : "";
    Tensor wZero = wZeroName.isEmpty() ? null : init.get(wZeroName);
    if (w == null || wScale == null || (!wZeroName.isEmpty() && wZero == null) || w.shape().rank() != 4
        || (w.dtype() != DType.UINT8 && w.dtype() != DType.INT8) || w.size() == 0) {
      return;  // not constant, or not a case the native kernel takes: the kernel decides per call as before
    }
    long group = n.attrInt("group", 1);
    long[] d = w.shape().dims();
    if (group <= 0 || d[0] % group != 0 || d[1] * d[2] * d[3] > CpuQuantKernels.MAX_K) {
      return;  // the kernel reports a bad attribute (or falls back) when it runs
    }
    int[] zeros = null;
    if (wZero != null) {
      long[] v = wZero.toLongArray();
      zeros = new int[v.length];
      for (int i = 0; i < v.length; i++) {
        zeros[i] = (int) v[i];
      }
    }
    Tensor xScale = init.get(n.input(1));
    Tensor yScale = n.inputs().size() > 6 ? init.get(n.input(6)) : null;
    double[] scale = null;
    if (xScale != null && yScale != null && xScale.size() == 1 && yScale.size() == 1
        && (wScale.size() == 1 || wScale.size() == d[0])) {
      double xs = xScale.getDouble(0);
      double ys = yScale.getDouble(0);
      double[] ws = wScale.toDoubleArray();
      scale = new double[(int) d[0]];
      for (int c = 0; c < scale.length; c++) {
        scale[c] = xs * ws[ws.length == 1 ? 0 : c] / ys;
      }
    }
    // packing depends on the channel counts and kernel only: a 1x1 output stands in for the spatial sizes
    long[] geometry = {1, d[1] * group, d[2], d[3], d[0], 1, 1, d[2], d[3], 1, 1, 1, 1, 0, 0, group};
    long size = NativeCore.qlinearPackedWeightsSize(geometry);
    Tensor packed = null;
    if (size > 0) {
      packed = Tensor.allocate(DType.UINT8, Shape.of(size));
      NativeCore.qlinearPackWeights(geometry, w.dtype() == DType.INT8, w.nativeAddress(), packed.nativeAddress());
    }
    byOutput.put(n.output(0), new Prepared(w, packed, zeros, scale));
  }

  /** The prepared operands of the QLinearConv writing this output, or null. */
  Prepared get(String output) {
    return byOutput.get(output);
  }

  @Override
  public void close() {
    byOutput.values().forEach(p -> {
      if (p.packed() != null) {
        p.packed().close();
      }
    });
    byOutput.clear();
  }
}

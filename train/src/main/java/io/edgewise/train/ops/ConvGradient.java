package io.edgewise.train.ops;

import io.edgewise.backend.reference.ops.ConvGeometry;
import io.edgewise.train.HeapTensor;

/** Conv (2-D, grouped and depthwise included): every pass runs on the device's convolution kernels. */
final class ConvGradient implements OpGradient {
  @Override
  public Forward forward(OpCall call, HeapTensor[] in) {
    HeapTensor x = in[0];
    HeapTensor w = in[1];
    long[] g = geometry(call, x, w);
    HeapTensor y = HeapTensor.zeros((int) g[0], (int) g[4], (int) g[5], (int) g[6]);
    call.kernels().convForward(g, x.data(), w.data(), in.length > 2 && in[2] != null ? in[2].data() : null,
        y.data());
    return new Forward(new HeapTensor[] {y}, g);
  }

  @Override
  public HeapTensor[] backward(OpCall call, HeapTensor[] in, Forward fwd, HeapTensor[] dOut, boolean[] wanted) {
    long[] g = (long[]) fwd.saved();
    HeapTensor dy = dOut[0];
    HeapTensor[] grads = new HeapTensor[in.length];
    if (wanted[0]) {
      grads[0] = HeapTensor.zeros(in[0].shape());
      call.kernels().convBackwardData(g, dy.data(), in[1].data(), grads[0].data());
    }
    if (wanted[1]) {
      grads[1] = HeapTensor.zeros(in[1].shape());
      call.kernels().convBackwardWeights(g, in[0].data(), dy.data(), grads[1].data());
    }
    if (in.length > 2 && in[2] != null && wanted[2]) {
      grads[2] = HeapTensor.zeros(in[2].shape());
      sumPerChannel(dy, grads[2].data());
    }
    return grads;
  }

  /** db[c] = sum of dy over batch and space, in double. */
  static void sumPerChannel(HeapTensor dy, float[] db) {
    int n = dy.dim(0);
    int c = dy.dim(1);
    int plane = dy.size() / Math.max(1, n * c);
    double[] acc = new double[c];
    float[] d = dy.data();
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        int base = (b * c + ch) * plane;
        double s = 0;
        for (int i = 0; i < plane; i++) {
          s += d[base + i];
        }
        acc[ch] += s;
      }
    }
    for (int ch = 0; ch < c; ch++) {
      db[ch] = (float) acc[ch];
    }
  }

  private static long[] geometry(OpCall call, HeapTensor x, HeapTensor w) {
    if (x.rank() != 4 || w.rank() != 4) {
      throw call.notImplemented("Conv over input " + x.describe() + " with weights " + w.describe()
          + " (only 2-D convolution)");
    }
    long group = call.node().attrInt("group", 1);
    long[] kernelShape = call.node().attrInts("kernel_shape", new long[] {w.dim(2), w.dim(3)});
    if (kernelShape.length != 2 || kernelShape[0] != w.dim(2) || kernelShape[1] != w.dim(3)) {
      throw call.invalid("kernel_shape does not match the weights " + w.describe());
    }
    if (group <= 0 || x.dim(1) % group != 0 || w.dim(0) % group != 0 || x.dim(1) / group != w.dim(1)) {
      throw call.invalid("input " + x.describe() + ", weights " + w.describe() + " and group " + group
          + " do not fit");
    }
    ConvGeometry cg = ConvGeometry.of(call.referenceContext(), new long[] {x.dim(2), x.dim(3)}, kernelShape, false);
    return new long[] {x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), cg.out[0], cg.out[1], w.dim(2), w.dim(3),
        cg.strides[0], cg.strides[1], cg.dilations[0], cg.dilations[1], cg.padBegin[0], cg.padBegin[1], group};
  }
}

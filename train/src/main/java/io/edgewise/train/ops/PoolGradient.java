package io.edgewise.train.ops;

import io.edgewise.backend.reference.ops.ConvGeometry;
import io.edgewise.train.HeapTensor;

/**
 * MaxPool and AveragePool over NCHW (2-D windows, pads, strides, dilations, ceil_mode, count_include_pad). MaxPool
 * routes each output's gradient to the first maximum of its window (the one the forward picked).
 */
final class PoolGradient implements OpGradient {
  private record Saved(ConvGeometry g, int[] argmax, int[] counts) {}

  @Override
  public Forward forward(OpCall call, HeapTensor[] in) {
    HeapTensor x = in[0];
    if (x.rank() != 4) {
      throw call.notImplemented(call.node().opType() + " over " + x.describe() + " (only 2-D pooling)");
    }
    if (call.node().outputs().size() > 1 && call.node().hasOutput(1)) {
      throw call.notImplemented("MaxPool's Indices output");
    }
    boolean max = call.node().opType().equals("MaxPool");
    long[] kernel = call.node().attrInts("kernel_shape", null);
    if (kernel == null || kernel.length != 2) {
      throw call.invalid("kernel_shape must hold 2 values");
    }
    ConvGeometry g = ConvGeometry.of(call.referenceContext(), new long[] {x.dim(2), x.dim(3)}, kernel,
        call.node().attrInt("ceil_mode", 0) != 0);
    boolean includePad = call.node().attrInt("count_include_pad", 0) != 0;
    int n = x.dim(0) * x.dim(1);
    int h = x.dim(2);
    int w = x.dim(3);
    int oh = (int) g.out[0];
    int ow = (int) g.out[1];
    HeapTensor y = HeapTensor.zeros(x.dim(0), x.dim(1), oh, ow);
    int[] argmax = max ? new int[y.size()] : null;
    int[] counts = max ? null : new int[oh * ow];
    float[] xd = x.data();
    for (int p = 0; p < n; p++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          int o = (p * oh + oy) * ow + ox;
          double sum = 0;
          float best = Float.NEGATIVE_INFINITY;
          int bestIndex = -1;
          int inside = 0;
          int padded = 0;
          for (int ky = 0; ky < kernel[0]; ky++) {
            int iy = (int) (oy * g.strides[0] - g.padBegin[0] + ky * g.dilations[0]);
            for (int kx = 0; kx < kernel[1]; kx++) {
              int ix = (int) (ox * g.strides[1] - g.padBegin[1] + kx * g.dilations[1]);
              boolean inPadded = iy < h + g.padEnd[0] && ix < w + g.padEnd[1];
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                padded += inPadded ? 1 : 0;
                continue;
              }
              int xi = (p * h + iy) * w + ix;
              inside++;
              sum += xd[xi];
              if (xd[xi] > best || bestIndex < 0) {
                best = xd[xi];
                bestIndex = xi;
              }
            }
          }
          if (max) {
            y.data()[o] = best;
            argmax[o] = bestIndex;
          } else {
            int count = includePad ? inside + padded : inside;
            counts[oy * ow + ox] = count;
            y.data()[o] = count == 0 ? 0f : (float) (sum / count);
          }
        }
      }
    }
    return new Forward(new HeapTensor[] {y}, new Saved(g, argmax, counts));
  }

  @Override
  public HeapTensor[] backward(OpCall call, HeapTensor[] in, Forward fwd, HeapTensor[] dOut, boolean[] wanted) {
    if (!wanted[0]) {
      return new HeapTensor[in.length];
    }
    Saved s = (Saved) fwd.saved();
    HeapTensor x = in[0];
    HeapTensor dx = HeapTensor.zeros(x.shape());
    float[] dy = dOut[0].data();
    if (s.argmax() != null) {
      for (int o = 0; o < dy.length; o++) {
        if (s.argmax()[o] >= 0) {
          dx.data()[s.argmax()[o]] += dy[o];
        }
      }
      return new HeapTensor[] {dx};
    }
    ConvGeometry g = s.g();
    int n = x.dim(0) * x.dim(1);
    int h = x.dim(2);
    int w = x.dim(3);
    int oh = (int) g.out[0];
    int ow = (int) g.out[1];
    long[] kernel = g.kernel;
    for (int p = 0; p < n; p++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          int count = s.counts()[oy * ow + ox];
          if (count == 0) {
            continue;
          }
          float share = dy[(p * oh + oy) * ow + ox] / count;
          for (int ky = 0; ky < kernel[0]; ky++) {
            int iy = (int) (oy * g.strides[0] - g.padBegin[0] + ky * g.dilations[0]);
            for (int kx = 0; kx < kernel[1]; kx++) {
              int ix = (int) (ox * g.strides[1] - g.padBegin[1] + kx * g.dilations[1]);
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                dx.data()[(p * h + iy) * w + ix] += share;
              }
            }
          }
        }
      }
    }
    return new HeapTensor[] {dx};
  }
}

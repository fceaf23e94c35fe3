package io.edgewise.backend.opencl;

import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.reference.ops.ConvGeometry;
import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import java.util.Map;

/** MaxPool (without Indices), AveragePool and GlobalAveragePool of float32 NCHW tensors on the device. */
final class PoolNodeOp implements ClNodeOp {
  /**
   * pool2d (ops.cl): work-items (ox, oy, nc) inside (OW, OH) write y[nc][oy][ox] and read taps of x[nc] inside
   * [0, H) x [0, W); the last tap row and column bound what is read.
   */
  static final ClFootprint POOL2D = ClFootprint.of("in x, out y, H, W, OH, OW, KH, KW, SH, SW, dilH, dilW, padH, "
      + "padW, padHEnd, padWEnd, isMax, countPad", (g, a, e) -> {
        long nc = g[2] - 1;
        long h = ClFootprint.i(a, 2);
        long w = ClFootprint.i(a, 3);
        long oh = ClFootprint.i(a, 4);
        long ow = ClFootprint.i(a, 5);
        long oy = Math.min(oh, g[1]) - 1;
        long ox = Math.min(ow, g[0]) - 1;
        if (oy < 0 || ox < 0) {
          return;
        }
        e[1] = (nc * oh + oy) * ow + ox + 1;
        long iy = Math.min(h - 1, oy * ClFootprint.i(a, 8) - ClFootprint.i(a, 12)
            + (long) (ClFootprint.i(a, 6) - 1) * ClFootprint.i(a, 10));
        long ix = Math.min(w - 1, ox * ClFootprint.i(a, 9) - ClFootprint.i(a, 13)
            + (long) (ClFootprint.i(a, 7) - 1) * ClFootprint.i(a, 11));
        e[0] = iy < 0 || ix < 0 ? 0 : (nc * h + iy) * w + ix + 1;
      });

  /** global_avg_pool (ops.cl): work-item p reads x[p * size, (p + 1) * size) and writes y[p]; no guard. */
  static final ClFootprint GLOBAL_AVG_POOL = ClFootprint.of("in x, out y, size", (g, a, e) -> {
    e[0] = g[0] * ClFootprint.i(a, 2);
    e[1] = g[0];
  });

  private final String op;

  PoolNodeOp(String op) {
    this.op = op;
  }

  @Override
  public DeviceTensor[] run(NodeArgs a) {
    Node node = a.node();
    Shape xs = a.shape(0);
    if (a.dtype(0) != DType.FLOAT32 || xs.numElements() == 0 || xs.numElements() > Integer.MAX_VALUE) {
      return null;
    }
    if (op.equals("GlobalAveragePool")) {
      if (xs.rank() < 3) {
        return null;
      }
      long[] out = xs.dims();
      java.util.Arrays.fill(out, 2, out.length, 1);
      long planes = xs.dim(0) * xs.dim(1);
      DeviceTensor y = a.allocate(Shape.of(out));
      long ns = a.programs().context().launch(a.programs().kernel("ops.cl", "global_avg_pool", Map.of()),
          GLOBAL_AVG_POOL, node, new long[] {planes}, null, a.profile(), a.device(0).buffer(), y.buffer(),
          (int) (xs.numElements() / planes));
      record(a, ns);
      return new DeviceTensor[] {y};
    }
    long[] kernel = node.attrInts("kernel_shape", null);
    boolean max = op.equals("MaxPool");
    if (xs.rank() != 4 || kernel == null || kernel.length != 2 || (max && node.hasOutput(1))
        || (max && node.attrInt("storage_order", 0) != 0)) {
      return null;
    }
    long[] d = xs.dims();
    ConvGeometry g = ConvGeometry.of(new OpContext(node, a.opset(), BackendOptions.defaults()),
        new long[] {d[2], d[3]}, kernel, node.attrInt("ceil_mode", 0) == 1);
    if (g.out[0] <= 0 || g.out[1] <= 0) {
      return null;
    }
    DeviceTensor y = a.allocate(Shape.of(d[0], d[1], g.out[0], g.out[1]));
    long ns = a.programs().context().launch(a.programs().kernel("ops.cl", "pool2d", Map.of()), POOL2D, node,
        new long[] {g.out[1], g.out[0], d[0] * d[1]}, null, a.profile(), a.device(0).buffer(), y.buffer(), (int) d[2],
        (int) d[3], (int) g.out[0], (int) g.out[1], (int) kernel[0], (int) kernel[1], (int) g.strides[0],
        (int) g.strides[1], (int) g.dilations[0], (int) g.dilations[1], (int) g.padBegin[0], (int) g.padBegin[1],
        (int) g.padEnd[0], (int) g.padEnd[1], max ? 1 : 0, (int) node.attrInt("count_include_pad", 0));
    record(a, ns);
    return new DeviceTensor[] {y};
  }

  static void record(NodeArgs a, long ns) {
    if (a.profile()) {
      a.addDeviceNanos(ns);
    }
  }
}

package io.edgewise.backend.cpu;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpKernel;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.backend.reference.ops.ResizeOps;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Set;

/**
 * ConvTranspose (2-D, float32: the packed GEMM and a col2im), nearest-neighbour and linear Resize of the two
 * innermost axes (the reference's coordinate mapping and weights, the copy or the blend native) and Softmax over
 * trailing axes on the native core. Other cases go to the reference kernel.
 */
final class CpuLayerKernels {
  static final Set<String> OPS = Set.of("ConvTranspose", "Resize", "Softmax");

  private CpuLayerKernels() {}

  static void overlay(OpRegistry r) {
    OpKernel convTranspose = r.get("", "ConvTranspose");
    OpKernel resize = r.get("", "Resize");
    OpKernel softmax = r.get("", "Softmax");
    r.override("", "ConvTranspose", (ctx, in) -> convTranspose(ctx, in, convTranspose));
    r.override("", "Resize", (ctx, in) -> resize(ctx, in, resize));
    r.override("", "Softmax", (ctx, in) -> softmax(ctx, in, softmax));
  }

  private static Tensor[] convTranspose(OpContext ctx, Tensor[] in, OpKernel fallback) {
    Tensor x = ctx.required(in, 0);
    Tensor w = ctx.required(in, 1);
    Tensor bias = in.length > 2 ? in[2] : null;
    if (x.dtype() != DType.FLOAT32 || w.dtype() != DType.FLOAT32 || (bias != null && bias.dtype() != DType.FLOAT32)
        || x.shape().rank() != 4 || w.shape().rank() != 4) {
      return ctx.fallBack("the native ConvTranspose takes float32 2-D images, got " + CpuKernels.describe(x),
          fallback, in);
    }
    long group = ctx.node().attrInt("group", 1);
    long c = x.shape().dim(1);
    if (group <= 0 || w.shape().dim(0) != c || c % group != 0) {
      throw ctx.invalid("W " + w.shape() + " must have " + c + " input channels in " + group + " groups");
    }
    long m = w.shape().dim(1) * group;
    long[] inDims = {x.shape().dim(2), x.shape().dim(3)};
    long[] kernel = {w.shape().dim(2), w.shape().dim(3)};
    long[] strides = attr(ctx, "strides", 1);
    long[] dil = attr(ctx, "dilations", 1);
    long[] outPad = attr(ctx, "output_padding", 0);
    long[] pads = ctx.node().attrInts("pads", new long[4]);
    long[] outputShape = ctx.node().attrInts("output_shape", null);
    String autoPad = ctx.node().attrString("auto_pad", "NOTSET");
    if (pads.length != 4 || (outputShape != null && outputShape.length != 2 && outputShape.length != 4)) {
      throw ctx.invalid("attributes pads " + java.util.Arrays.toString(pads) + " / output_shape do not fit 2-D");
    }
    long[] out = new long[2];
    long[] padBegin = new long[2];
    for (int i = 0; i < 2; i++) {
      // as the reference kernel (ConvTransposeKernel): the ONNX spec's output size and pads
      long full = strides[i] * (inDims[i] - 1) + outPad[i] + (kernel[i] - 1) * dil[i] + 1;
      if (outputShape != null || autoPad.startsWith("SAME")) {
        long target = outputShape != null ? outputShape[outputShape.length - 2 + i] : inDims[i] * strides[i];
        long total = Math.max(0, full - target);
        padBegin[i] = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
        out[i] = target;
      } else {
        padBegin[i] = pads[i];
        out[i] = full - pads[i] - pads[i + 2];
      }
      if (out[i] <= 0) {
        throw ctx.invalid("output size " + out[i] + " on spatial axis " + i + " is not positive");
      }
      if (strides[i] <= 0 || dil[i] <= 0 || padBegin[i] < 0) {
        return ctx.fallBack("the native ConvTranspose takes positive strides and dilations and no negative pads",
            fallback, in);
      }
    }
    if (bias != null && bias.size() != m) {
      throw ctx.invalid("bias B has " + bias.size() + " elements for " + m + " output channels");
    }
    long n = x.shape().dim(0);
    long[] geometry = {n, c, inDims[0], inDims[1], m, out[0], out[1], kernel[0], kernel[1], strides[0], strides[1],
        dil[0], dil[1], padBegin[0], padBegin[1], group};
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, Shape.of(n, m, out[0], out[1]));
    try {
      NativeCore.convTranspose2d(ctx.node().name(), geometry, x.nativeAddress(), x.size(), w.nativeAddress(),
          w.size(), bias == null ? 0 : bias.nativeAddress(), bias == null ? 0 : bias.size(), y.nativeAddress(),
          y.size());
    } catch (RuntimeException e) {
      y.close();
      throw e;
    }
    return new Tensor[] {y};
  }

  private static long[] attr(OpContext ctx, String name, long fill) {
    long[] v = ctx.node().attrInts(name, null);
    if (v == null) {
      return new long[] {fill, fill};
    }
    if (v.length != 2) {
      throw ctx.invalid("attribute " + name + " " + java.util.Arrays.toString(v) + " needs 2 entries");
    }
    return v;
  }

  /** Nearest or linear Resize that leaves all but the last two axes alone: one row and one column map per call. */
  private static Tensor[] resize(OpContext ctx, Tensor[] in, OpKernel fallback) {
    Tensor x = ctx.required(in, 0);
    if (x.dtype() != DType.FLOAT32 || x.shape().rank() < 2) {
      return ctx.fallBack("the native Resize takes float32 of rank >= 2, got " + CpuKernels.describe(x), fallback,
          in);
    }
    if (ctx.node().attrString("mode", "nearest").equals("linear")) {
      return resizeLinear(ctx, in, fallback);
    }
    long[][] sources = ResizeOps.nearestSources(ctx, in);
    int rank = x.shape().rank();
    boolean planar = sources != null;
    for (int d = 0; planar && d < rank - 2; d++) {
      planar = sources[d].length == x.shape().dim(d);
      for (int o = 0; planar && o < sources[d].length; o++) {
        planar = sources[d][o] == o;
      }
    }
    if (!planar) {
      return ctx.fallBack("the native Resize copies nearest pixels of the two innermost axes", fallback, in);
    }
    long[] outDims = x.shape().dims();
    outDims[rank - 2] = sources[rank - 2].length;
    outDims[rank - 1] = sources[rank - 1].length;
    long inH = x.shape().dim(rank - 2);
    long inW = x.shape().dim(rank - 1);
    long planes = x.size() / (inH * inW);
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, Shape.of(outDims));
    try {
      NativeCore.resizeNearest2d(ctx.node().name(), planes, inH, inW, sources[rank - 2], sources[rank - 1],
          x.nativeAddress(), x.size(), y.nativeAddress(), y.size());
    } catch (RuntimeException e) {
      y.close();
      throw e;
    }
    return new Tensor[] {y};
  }

  /** Linear Resize of the two innermost axes, the reference's taps and weights (in float) blended natively. */
  private static Tensor[] resizeLinear(OpContext ctx, Tensor[] in, OpKernel fallback) {
    Tensor x = ctx.required(in, 0);
    ResizeOps.TwoTaps[] taps = ResizeOps.linearTaps(ctx, in);
    int rank = x.shape().rank();
    boolean planar = taps != null;
    for (int d = 0; planar && d < rank - 2; d++) {
      planar = taps[d].identity();
    }
    if (!planar) {
      return ctx.fallBack("the native Resize blends two taps per axis of the two innermost axes, inside the input",
          fallback, in);
    }
    long[] outDims = x.shape().dims();
    outDims[rank - 2] = taps[rank - 2].index().length / 2;
    outDims[rank - 1] = taps[rank - 1].index().length / 2;
    long inH = x.shape().dim(rank - 2);
    long inW = x.shape().dim(rank - 1);
    long planes = x.size() / (inH * inW);
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, Shape.of(outDims));
    try {
      NativeCore.resizeLinear2d(ctx.node().name(), planes, inH, inW, taps[rank - 2].index(),
          floats(taps[rank - 2].weight()), taps[rank - 1].index(), floats(taps[rank - 1].weight()),
          x.nativeAddress(), x.size(), y.nativeAddress(), y.size());
    } catch (RuntimeException e) {
      y.close();
      throw e;
    }
    return new Tensor[] {y};
  }

  private static float[] floats(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  /** Softmax over the last axis (opset 13+) or the flattened trailing axes from `axis` (before 13). */
  private static Tensor[] softmax(OpContext ctx, Tensor[] in, OpKernel fallback) {
    Tensor x = ctx.required(in, 0);
    Shape s = x.shape();
    int rank = s.rank();
    boolean legacy = ctx.opset() < 13;
    long axis = ctx.node().attrInt("axis", legacy ? 1 : -1);
    if (axis < 0) {
      axis += rank;
    }
    if (x.dtype() != DType.FLOAT32 || rank == 0 || axis < 0 || axis >= rank || (!legacy && axis != rank - 1)
        || x.size() == 0) {
      return ctx.fallBack("the native Softmax takes non-empty float32 over the trailing axes, got "
          + CpuKernels.describe(x), fallback, in);
    }
    long cols = 1;
    for (int d = (int) axis; d < rank; d++) {
      cols *= s.dim(d);
    }
    Tensor y = Tensor.allocateUninitialized(DType.FLOAT32, s);
    try {
      NativeCore.softmax(ctx.node().name(), x.size() / cols, cols, x.nativeAddress(), x.size(), y.nativeAddress(),
          y.size());
    } catch (RuntimeException e) {
      y.close();
      throw e;
    }
    return new Tensor[] {y};
  }
}

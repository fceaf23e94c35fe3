package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Arrays;

/**
 * ConvTranspose as a direct scatter: every input element adds x * w into the output window it maps to. Output
 * size and pads follow the ONNX spec, including output_shape, output_padding and auto_pad.
 */
final class ConvTransposeKernel {
  private ConvTransposeKernel() {}

  static Tensor[] compute(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Tensor w = ctx.required(in, 1);
    Shape xs = x.shape();
    Shape ws = w.shape();
    if (xs.rank() < 3 || ws.rank() != xs.rank()) {
      throw ctx.invalid("X " + xs + " and W " + ws + " must both be [N, C, spatial...]");
    }
    int r = xs.rank() - 2;
    long group = ctx.node().attrInt("group", 1);
    long c = xs.dim(1);
    if (group <= 0 || ws.dim(0) != c || c % group != 0) {
      throw ctx.invalid("W " + ws + " must have " + c + " input channels in " + group + " groups");
    }
    long mg = ws.dim(1);
    long m = mg * group;
    long[] inDims = Arrays.copyOfRange(xs.dims(), 2, xs.rank());
    long[] kernel = Arrays.copyOfRange(ws.dims(), 2, ws.rank());
    long[] strides = ConvGeometry.attr(ctx, "strides", r, 1);
    long[] dil = ConvGeometry.attr(ctx, "dilations", r, 1);
    long[] outPad = ConvGeometry.attr(ctx, "output_padding", r, 0);
    long[] pads = ctx.node().attrInts("pads", new long[2 * r]);
    long[] outputShape = ctx.node().attrInts("output_shape", null);
    String autoPad = ctx.node().attrString("auto_pad", "NOTSET");
    if (pads.length != 2 * r) {
      throw ctx.invalid("attribute pads needs " + 2 * r + " entries");
    }
    if (outputShape != null && outputShape.length != r && outputShape.length != r + 2) {
      throw ctx.invalid("attribute output_shape " + java.util.Arrays.toString(outputShape) + " needs " + r
          + " spatial sizes (or " + (r + 2) + " with batch and channels)");
    }
    long[] out = new long[r];
    long[] padBegin = new long[r];
    for (int i = 0; i < r; i++) {
      long full = strides[i] * (inDims[i] - 1) + outPad[i] + (kernel[i] - 1) * dil[i] + 1;
      if (outputShape != null || autoPad.startsWith("SAME")) {
        long target = outputShape != null ? outputShape[outputShape.length - r + i] : inDims[i] * strides[i];
        long total = Math.max(0, full - target);
        padBegin[i] = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
        out[i] = target;
      } else {
        padBegin[i] = pads[i];
        out[i] = full - pads[i] - pads[i + r];
      }
      if (out[i] <= 0) {
        throw ctx.invalid("output size " + out[i] + " on spatial axis " + i + " is not positive");
      }
    }
    long n = xs.dim(0);
    long[] outDims = new long[r + 2];
    outDims[0] = n;
    outDims[1] = m;
    System.arraycopy(out, 0, outDims, 2, r);
    Shape ys = Shape.of(outDims);
    double[] xv = x.toDoubleArray();
    double[] wv = w.toDoubleArray();
    double[] y = new double[(int) ys.numElements()];
    int inN = (int) Arrays.stream(inDims).reduce(1, Math::multiplyExact);
    int kN = (int) Arrays.stream(kernel).reduce(1, Math::multiplyExact);
    int outN = (int) Arrays.stream(out).reduce(1, Math::multiplyExact);
    long cg = c / group;
    // target[p * kN + kk] = flat output position for input position p and kernel offset kk, or -1 if cropped
    int[] target = new int[inN * kN];
    long[] pi = new long[r];
    for (int p = 0; p < inN; p++) {
      long[] k = new long[r];
      for (int kk = 0; kk < kN; kk++) {
        long flat = 0;
        boolean inside = true;
        for (int d = 0; d < r; d++) {
          long pos = pi[d] * strides[d] - padBegin[d] + k[d] * dil[d];
          if (pos < 0 || pos >= out[d]) {
            inside = false;
            break;
          }
          flat = flat * out[d] + pos;
        }
        target[p * kN + kk] = inside ? (int) flat : -1;
        ShapeKernels.next(k, kernel);
      }
      ShapeKernels.next(pi, inDims);
    }
    for (int b = 0; b < n; b++) {
      for (int ci = 0; ci < c; ci++) {
        long g = ci / cg;
        int xBase = (int) ((b * c + ci) * inN);
        for (int mo = 0; mo < mg; mo++) {
          int wBase = (int) ((ci * mg + mo) * kN);
          int yBase = (int) ((b * m + g * mg + mo) * outN);
          for (int p = 0; p < inN; p++) {
            double xval = xv[xBase + p];
            for (int kk = 0; kk < kN; kk++) {
              int t = target[p * kN + kk];
              if (t >= 0) {
                y[yBase + t] += xval * wv[wBase + kk];
              }
            }
          }
        }
      }
    }
    if (in.length > 2 && in[2] != null) {
      double[] bias = in[2].toDoubleArray();
      if (bias.length != m) {
        throw ctx.invalid("bias B has " + bias.length + " elements for " + m + " output channels");
      }
      for (int i = 0; i < y.length; i++) {
        y[i] += bias[(int) ((i / outN) % m)];
      }
    }
    Tensor result = Tensor.allocate(x.dtype(), ys);
    for (int i = 0; i < y.length; i++) {
      result.setDouble(i, y[i]);
    }
    return new Tensor[] {result};
  }
}

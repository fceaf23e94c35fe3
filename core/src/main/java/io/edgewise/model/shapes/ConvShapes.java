package io.edgewise.model.shapes;

import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.tensor.DType;
import java.util.ArrayList;
import java.util.List;

/** Output shapes of convolutions and pools: batch passes through, spatial sizes follow pads/strides/auto_pad. */
final class ConvShapes {
  private ConvShapes() {}

  static ValueInfo conv(ShapeRules.Context ctx, DType dtype) {
    ValueInfo x = ctx.input(0);
    ValueInfo w = ctx.input(1);
    int r = x.dims().size() - 2;
    long[] kernel = new long[r];
    for (int i = 0; i < r; i++) {
      Dim k = w.dims().get(i + 2);
      if (!k.isKnown()) {
        throw new ShapeRules.Unknown();
      }
      kernel[i] = k.value();
    }
    List<Dim> out = new ArrayList<>();
    out.add(x.dims().get(0));
    out.add(w.dims().get(0));
    out.addAll(spatial(ctx, x, kernel, false));
    return ShapeRules.tensor(dtype, out);
  }

  static ValueInfo pool(ShapeRules.Context ctx) {
    ValueInfo x = ctx.input(0);
    long[] kernel = ctx.node().attrInts("kernel_shape", null);
    if (kernel == null) {
      throw new ShapeRules.Unknown();
    }
    List<Dim> out = new ArrayList<>(x.dims().subList(0, 2));
    out.addAll(spatial(ctx, x, kernel, ctx.node().attrInt("ceil_mode", 0) == 1));
    return ShapeRules.tensor(x.dtype(), out);
  }

  private static List<Dim> spatial(ShapeRules.Context ctx, ValueInfo x, long[] kernel, boolean ceil) {
    int r = kernel.length;
    long[] strides = ctx.node().attrInts("strides", null);
    long[] dil = ctx.node().attrInts("dilations", null);
    long[] pads = ctx.node().attrInts("pads", new long[2 * r]);
    String autoPad = ctx.node().attrString("auto_pad", "NOTSET");
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < r; i++) {
      Dim in = x.dims().get(i + 2);
      if (!in.isKnown()) {
        out.add(Dim.unknown());
        continue;
      }
      long s = strides == null ? 1 : strides[i];
      long d = dil == null ? 1 : dil[i];
      long effective = (kernel[i] - 1) * d + 1;
      long n = in.value();
      long o;
      if (autoPad.startsWith("SAME")) {
        o = Math.floorDiv(n + s - 1, s);
      } else if (autoPad.equals("VALID")) {
        o = Math.floorDiv(n - effective + s, s);
      } else {
        long span = n + pads[i] + pads[i + r] - effective;
        o = (ceil ? Math.floorDiv(span + s - 1, s) : Math.floorDiv(span, s)) + 1;
        if (ceil && (o - 1) * s >= n + pads[i]) {
          o--;
        }
      }
      out.add(Dim.of(o));
    }
    return out;
  }

  static ValueInfo convTranspose(ShapeRules.Context ctx) {
    ValueInfo x = ctx.input(0);
    ValueInfo w = ctx.input(1);
    int r = x.dims().size() - 2;
    long group = ctx.node().attrInt("group", 1);
    List<Dim> out = new ArrayList<>();
    out.add(x.dims().get(0));
    Dim m = w.dims().get(1);
    out.add(m.isKnown() ? Dim.of(m.value() * group) : Dim.unknown());
    long[] outputShape = ctx.node().attrInts("output_shape", null);
    long[] strides = ctx.node().attrInts("strides", null);
    long[] dil = ctx.node().attrInts("dilations", null);
    long[] outPad = ctx.node().attrInts("output_padding", null);
    long[] pads = ctx.node().attrInts("pads", new long[2 * r]);
    String autoPad = ctx.node().attrString("auto_pad", "NOTSET");
    for (int i = 0; i < r; i++) {
      Dim in = x.dims().get(i + 2);
      Dim k = w.dims().get(i + 2);
      long s = strides == null ? 1 : strides[i];
      if (outputShape != null) {
        out.add(Dim.of(outputShape[outputShape.length - r + i]));
      } else if (!in.isKnown() || !k.isKnown()) {
        out.add(Dim.unknown());
      } else if (autoPad.startsWith("SAME")) {
        out.add(Dim.of(in.value() * s));
      } else {
        long d = dil == null ? 1 : dil[i];
        long op = outPad == null ? 0 : outPad[i];
        out.add(Dim.of(s * (in.value() - 1) + op + (k.value() - 1) * d + 1 - pads[i] - pads[i + r]));
      }
    }
    return ShapeRules.tensor(x.dtype(), out);
  }
}

package io.edgewise.model.shapes;

import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Rules whose output shape depends on an input's value: Gather, ConstantOfShape, Expand, Tile, Pad, Resize and
 * Upsample. Each reads that value from a constant or from tracked shape arithmetic; when it is not known the
 * output stays unknown.
 */
final class DataShapes {
  private DataShapes() {}

  static ValueInfo gather(ShapeRules.Context ctx) {
    ValueInfo data = ctx.input(0);
    ValueInfo indices = ctx.input(1);
    int rank = data.dims().size();
    long axis = ctx.node().attrInt("axis", 0);
    int a = (int) (axis < 0 ? axis + rank : axis);
    List<Dim> out = new ArrayList<>(data.dims().subList(0, a));
    out.addAll(indices.dims());
    out.addAll(data.dims().subList(a + 1, rank));
    return ShapeRules.tensor(data.dtype(), out);
  }

  static ValueInfo constantOfShape(ShapeRules.Context ctx) {
    List<Dim> dims = dims(ctx.value(0));
    var value = ctx.node().attr("value");
    DType dtype = value == null ? DType.FLOAT32 : value.asTensor().dtype();
    return ShapeRules.tensor(dtype, dims);
  }

  static ValueInfo expand(ShapeRules.Context ctx) {
    ValueInfo x = ctx.input(0);
    return ShapeRules.tensor(x.dtype(), ShapeRules.broadcast(x.dims(), dims(ctx.value(1))));
  }

  static ValueInfo tile(ShapeRules.Context ctx) {
    ValueInfo x = ctx.input(0);
    long[] repeats = ctx.constantLongs(1);
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < x.dims().size(); i++) {
      Dim d = x.dims().get(i);
      out.add(repeats[i] == 1 ? d : d.isKnown() ? Dim.of(d.value() * repeats[i]) : Dim.unknown());
    }
    return ShapeRules.tensor(x.dtype(), out);
  }

  static ValueInfo pad(ShapeRules.Context ctx) {
    ValueInfo x = ctx.input(0);
    Node n = ctx.node();
    int rank = x.dims().size();
    long[] pads = ctx.opset() < 11 ? n.attrInts("pads", null) : ctx.constantLongs(1);
    if (pads == null) {
      throw new ShapeRules.Unknown();
    }
    long[] axes;
    if (ctx.opset() >= 18 && n.hasInput(3)) {
      axes = ctx.constantLongs(3);
    } else {
      axes = new long[rank];
      for (int i = 0; i < rank; i++) {
        axes[i] = i;
      }
    }
    int k = axes.length;
    List<Dim> out = new ArrayList<>(x.dims());
    for (int i = 0; i < k; i++) {
      int a = (int) (axes[i] < 0 ? axes[i] + rank : axes[i]);
      long add = pads[i] + pads[i + k];
      Dim d = x.dims().get(a);
      out.set(a, add == 0 ? d : d.isKnown() ? Dim.of(d.value() + add) : Dim.unknown());
    }
    return ShapeRules.tensor(x.dtype(), out);
  }

  /** Resize (opset 10: scales at input 1; 11+: roi, scales, sizes at 1..3; 18+: axes, keep_aspect_ratio_policy). */
  static ValueInfo resize(ShapeRules.Context ctx) {
    ValueInfo x = ctx.input(0);
    Node n = ctx.node();
    int rank = x.dims().size();
    int[] axes = new int[rank];
    long[] axesAttr = n.attrInts("axes", null);
    if (axesAttr != null) {
      axes = new int[axesAttr.length];
      for (int i = 0; i < axes.length; i++) {
        axes[i] = (int) (axesAttr[i] < 0 ? axesAttr[i] + rank : axesAttr[i]);
      }
    } else {
      for (int i = 0; i < rank; i++) {
        axes[i] = i;
      }
    }
    boolean v10 = ctx.opset() < 11;
    Tensor scales = v10 ? ctx.constant(1) : ctx.constant(2);
    boolean sizesGiven = !v10 && n.hasInput(3);
    List<Dim> out = new ArrayList<>(x.dims());
    if (scales != null && scales.size() > 0 && !sizesGiven) {
      for (int i = 0; i < axes.length; i++) {
        double s = scales.getDouble(i);
        Dim d = x.dims().get(axes[i]);
        out.set(axes[i], s == 1 ? d : d.isKnown() ? Dim.of((long) Math.floor(d.value() * s)) : Dim.unknown());
      }
      return ShapeRules.tensor(x.dtype(), out);
    }
    if (!sizesGiven) {
      throw new ShapeRules.Unknown();
    }
    long[] sizes = ctx.constantLongs(3);
    String policy = n.attrString("keep_aspect_ratio_policy", "stretch");
    if (policy.equals("stretch")) {
      for (int i = 0; i < axes.length; i++) {
        out.set(axes[i], Dim.of(sizes[i]));
      }
      return ShapeRules.tensor(x.dtype(), out);
    }
    // not_larger / not_smaller: one scale for all the axes, the min (max) of sizes / input
    double scale = policy.equals("not_larger") ? Double.MAX_VALUE : 0;
    for (int i = 0; i < axes.length; i++) {
      Dim d = x.dims().get(axes[i]);
      if (!d.isKnown()) {
        throw new ShapeRules.Unknown();
      }
      double s = (double) sizes[i] / d.value();
      scale = policy.equals("not_larger") ? Math.min(scale, s) : Math.max(scale, s);
    }
    for (int a : axes) {
      out.set(a, Dim.of((long) Math.rint(scale * x.dims().get(a).value())));
    }
    return ShapeRules.tensor(x.dtype(), out);
  }

  /** Upsample (opset 7..9): scales as an attribute (7, 8) or a constant input (9). */
  static ValueInfo upsample(ShapeRules.Context ctx) {
    ValueInfo x = ctx.input(0);
    float[] attr = ctx.node().attrFloats("scales", null);
    Tensor t = attr == null ? ctx.constant(1) : null;
    if (attr == null && t == null) {
      throw new ShapeRules.Unknown();
    }
    List<Dim> out = new ArrayList<>(x.dims());
    for (int i = 0; i < out.size(); i++) {
      double s = attr != null ? attr[i] : t.getDouble(i);
      Dim d = out.get(i);
      out.set(i, s == 1 ? d : d.isKnown() ? Dim.of((long) Math.floor(d.value() * s)) : Dim.unknown());
    }
    return ShapeRules.tensor(x.dtype(), out);
  }

  /** Split: sizes from the split input (13+) or attribute, else equal parts (num_outputs from 18). */
  static List<ValueInfo> split(ShapeRules.Context ctx) {
    ValueInfo x = ctx.input(0);
    Node n = ctx.node();
    int rank = x.dims().size();
    long axis = n.attrInt("axis", 0);
    int a = (int) (axis < 0 ? axis + rank : axis);
    int parts = n.outputs().size();
    long[] split = ctx.opset() >= 13 ? (n.hasInput(1) ? ctx.constantLongs(1) : null) : n.attrInts("split", null);
    Dim d = x.dims().get(a);
    if (split == null) {
      if (!d.isKnown()) {
        throw new ShapeRules.Unknown();
      }
      long chunk = (d.value() + parts - 1) / parts;  // the last part takes what is left (opset 18)
      split = new long[parts];
      for (int i = 0; i < parts; i++) {
        split[i] = Math.max(0, Math.min(chunk, d.value() - i * chunk));
      }
    }
    List<ValueInfo> out = new ArrayList<>();
    for (long size : split) {
      List<Dim> dims = new ArrayList<>(x.dims());
      dims.set(a, Dim.of(size));
      out.add(ShapeRules.tensor(x.dtype(), dims));
    }
    return out;
  }

  static List<Dim> dims(List<ShapeValues.Val> values) {
    List<Dim> out = new ArrayList<>();
    for (ShapeValues.Val v : values) {
      out.add(v.toDim());
    }
    return out;
  }
}

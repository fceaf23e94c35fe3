package io.edgewise.model.shapes;

import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import java.util.ArrayList;
import java.util.List;

/** Slice's output shape from constant starts/ends/axes/steps (inputs from opset 10, attributes before). */
final class SliceShape {
  private SliceShape() {}

  static ValueInfo of(ShapeRules.Context ctx) {
    ValueInfo x = ctx.input(0);
    int rank = x.dims().size();
    long[] starts;
    long[] ends;
    long[] axes;
    long[] steps = null;
    if (ctx.opset() < 10) {
      starts = ctx.node().attrInts("starts", null);
      ends = ctx.node().attrInts("ends", null);
      axes = ctx.node().attrInts("axes", null);
    } else {
      starts = ctx.constantLongs(1);
      ends = ctx.constantLongs(2);
      axes = ctx.node().hasInput(3) ? ctx.constantLongs(3) : null;
      steps = ctx.node().hasInput(4) ? ctx.constantLongs(4) : null;
    }
    if (starts == null || ends == null || starts.length != ends.length) {
      throw new ShapeRules.Unknown();
    }
    List<Dim> out = new ArrayList<>(x.dims());
    for (int i = 0; i < starts.length; i++) {
      long a = axes == null ? i : axes[i] < 0 ? axes[i] + rank : axes[i];
      long step = steps == null ? 1 : steps[i];
      Dim d = x.dims().get((int) a);
      if (step == 0) {
        throw new ShapeRules.Unknown();
      }
      if (!d.isKnown()) {
        // a symbolic dim survives only the whole-axis slice [0, >= INT32_MAX) that exporters write for "to the end"
        boolean whole = step == 1 && starts[i] == 0 && ends[i] >= Integer.MAX_VALUE;
        out.set((int) a, whole ? d : Dim.unknown());
        continue;
      }
      long[] r = range(d.value(), starts[i], ends[i], step);
      long count = step > 0 ? Math.max(0, Math.floorDiv(r[1] - r[0] + step - 1, step))
          : Math.max(0, Math.floorDiv(r[0] - r[1] + (-step) - 1, -step));
      out.set((int) a, Dim.of(count));
    }
    return ShapeRules.tensor(x.dtype(), out);
  }

  /** ONNX Slice's clamped [start, end) for one axis of length dim. */
  static long[] range(long dim, long start, long end, long step) {
    long s = start < 0 ? start + dim : start;
    long e = end < 0 ? end + dim : end;
    if (step > 0) {
      s = Math.max(0, Math.min(dim, s));
      e = Math.max(0, Math.min(dim, e));
    } else {
      s = Math.max(0, Math.min(dim - 1, s));
      e = Math.max(-1, Math.min(dim - 1, e));
    }
    return new long[] {s, e};
  }
}

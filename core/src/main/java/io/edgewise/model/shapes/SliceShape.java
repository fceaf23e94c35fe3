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
      long count = SliceRange.of(d.value(), starts[i], ends[i], step)[1];
      out.set((int) a, Dim.of(count));
    }
    return ShapeRules.tensor(x.dtype(), out);
  }
}

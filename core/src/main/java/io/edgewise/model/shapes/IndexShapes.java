package io.edgewise.model.shapes;

import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rules for LayerNormalization, GatherElements, DepthToSpace, SpaceToDepth and NonMaxSuppression, and the ops whose
 * output is shaped and typed like their first input (Trilu, CumSum, InstanceNormalization, GroupNormalization, the
 * trigonometric functions).
 */
final class IndexShapes {
  private IndexShapes() {}

  static void addTo(Map<String, ShapeRules.Rule> rules) {
    for (String op : List.of("Trilu", "CumSum", "InstanceNormalization", "GroupNormalization", "Tan", "Asin", "Acos",
        "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh")) {
      rules.put(op, ctx -> List.of(ctx.input(0)));
    }
    rules.put("LayerNormalization", IndexShapes::layerNorm);
    rules.put("GatherElements", ctx -> List.of(ShapeRules.tensor(ctx.input(0).dtype(), ctx.input(1).dims())));
    rules.put("DepthToSpace", ctx -> List.of(depthSpace(ctx, true)));
    rules.put("SpaceToDepth", ctx -> List.of(depthSpace(ctx, false)));
    rules.put("NonMaxSuppression", ctx -> List.of(ShapeRules.tensor(DType.INT64, Dim.unknown(), Dim.of(3))));
  }

  /** Y like X; Mean and InvStdDev like X with the normalised dims 1, float32 for stash_type 1. */
  private static List<ValueInfo> layerNorm(ShapeRules.Context ctx) {
    ValueInfo x = ctx.input(0);
    int rank = x.dims().size();
    long axis = ctx.node().attrInt("axis", -1);
    int a = (int) (axis < 0 ? axis + rank : axis);
    List<Dim> stats = new ArrayList<>(x.dims());
    for (int d = a; d < rank; d++) {
      stats.set(d, Dim.of(1));
    }
    DType statType = ctx.node().attrInt("stash_type", 1) == 1 ? DType.FLOAT32 : x.dtype();
    ValueInfo s = ShapeRules.tensor(statType, stats);
    return List.of(x, s, s);
  }

  /** [N, C / b^2, H * b, W * b] (DepthToSpace) or [N, C * b^2, H / b, W / b] (SpaceToDepth). */
  private static ValueInfo depthSpace(ShapeRules.Context ctx, boolean toSpace) {
    ValueInfo x = ctx.input(0);
    long b = ctx.node().attrInt("blocksize", 0);
    if (x.dims().size() != 4 || b <= 0) {
      throw new ShapeRules.Unknown();
    }
    List<Dim> out = new ArrayList<>(x.dims());
    long channelFactor = b * b;
    out.set(1, scale(x.dims().get(1), toSpace ? 1 : channelFactor, toSpace ? channelFactor : 1));
    for (int d = 2; d < 4; d++) {
      out.set(d, scale(x.dims().get(d), toSpace ? b : 1, toSpace ? 1 : b));
    }
    return ShapeRules.tensor(x.dtype(), out);
  }

  private static Dim scale(Dim d, long mul, long div) {
    if (mul == 1 && div == 1) {
      return d;
    }
    return d.isKnown() && (d.value() * mul) % div == 0 ? Dim.of(d.value() * mul / div) : Dim.unknown();
  }
}

package io.edgewise.backend.fpga;

import io.edgewise.backend.reference.ops.ConvGeometry;

/**
 * Whether an image's fixed tiles can run a convolution: the planner's rule. The kernel has no group, dilation or
 * rectangular-kernel support and its on-chip input buffer is sized for kernels up to kmax at strides up to smax;
 * channel counts and pixel extents are free (the host pads the edge tiles with zeros).
 */
public final class TileRule {
  private TileRule() {}

  /** null when the tiles run it, else why not (for the log line that sends it to cpu). */
  public static String whyNot(ConvGeometry g, long group, TileConfig tiles) {
    if (g.rank != 2) {
      return g.rank + "-D convolution (the kernel is 2-D)";
    }
    if (group != 1) {
      return "group=" + group + " (the kernel has no grouped or depthwise mode)";
    }
    if (g.dilations[0] != 1 || g.dilations[1] != 1) {
      return "dilation " + g.dilations[0] + "x" + g.dilations[1] + " (the kernel has none)";
    }
    if (g.kernel[0] != g.kernel[1]) {
      return "kernel " + g.kernel[0] + "x" + g.kernel[1] + " is not square";
    }
    if (g.kernel[0] > tiles.kmax()) {
      return "kernel " + g.kernel[0] + "x" + g.kernel[1] + " exceeds the image's KMAX=" + tiles.kmax();
    }
    if (g.strides[0] != g.strides[1]) {
      return "strides " + g.strides[0] + "x" + g.strides[1] + " differ";
    }
    if (g.strides[0] > tiles.smax()) {
      return "stride " + g.strides[0] + " exceeds the image's SMAX=" + tiles.smax();
    }
    return null;
  }

  /** The same rule over a layer description (design-space search). */
  public static String whyNot(ConvLayer l, TileConfig tiles) {
    if (l.k() > tiles.kmax()) {
      return "kernel " + l.k() + " exceeds KMAX=" + tiles.kmax();
    }
    if (l.stride() > tiles.smax()) {
      return "stride " + l.stride() + " exceeds SMAX=" + tiles.smax();
    }
    return null;
  }
}

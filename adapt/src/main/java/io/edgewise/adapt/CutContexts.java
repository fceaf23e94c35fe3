package io.edgewise.adapt;

import io.edgewise.runtime.split.CutPoint;
import io.edgewise.runtime.split.SuffixProfile;
import java.util.List;

/**
 * ANS's context of each cut: the layer-type composition after it (the counts and multiply-accumulates of
 * convolution and fully connected layers, the count and output size of the other layers), the intermediate data
 * size, and a constant 1 for the fixed cost of any offload (the round trip). Each feature is divided by its largest
 * value over the cuts, so all lie in [0, 1] and the ridge regression is well conditioned. The all-local cut's
 * context is all zeros: it sends nothing and runs nothing remotely.
 */
public final class CutContexts {
  public static final List<String> FEATURES = List.of("conv layers", "conv MACs", "fc layers", "fc MACs",
      "other layers", "other elements", "bytes sent", "offload");

  private CutContexts() {}

  public static double[][] of(List<CutPoint> cuts) {
    int n = cuts.size();
    double[][] x = new double[n][FEATURES.size()];
    for (int p = 0; p < n; p++) {
      CutPoint c = cuts.get(p);
      if (c.isAllLocal()) {
        continue;
      }
      SuffixProfile s = c.suffix();
      x[p] = new double[] {s.convLayers(), s.convMacs(), s.fcLayers(), s.fcMacs(), s.otherLayers(),
          s.otherElements(), Math.max(0, c.bytes()), 1};
    }
    for (int f = 0; f < FEATURES.size(); f++) {
      double max = 0;
      for (double[] row : x) {
        max = Math.max(max, Math.abs(row[f]));
      }
      if (max > 0) {
        for (double[] row : x) {
          row[f] /= max;
        }
      }
    }
    return x;
  }
}

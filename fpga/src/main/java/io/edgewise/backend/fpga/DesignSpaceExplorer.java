package io.edgewise.backend.fpga;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Searches tile configurations for a board and a workload with the analytical model: every (Tm, Tn, Tr, Tc,
 * weight-buffer size) that fits the board's modeled DSP, BRAM and LUT budget, scored by the modeled cycles of the
 * layers it can run; returns the Pareto-best ones (no other candidate is at least as fast with no more DSP and no
 * more BRAM). Layers a candidate cannot run (kernel or stride too large) count as cpu fallbacks and are reported.
 */
public final class DesignSpaceExplorer {
  static final int[] CHANNEL_TILES = {2, 4, 8, 16, 32, 64};
  static final int[] PIXEL_TILES = {2, 4, 7, 8, 14, 16, 28, 32};
  static final int[] WEIGHT_BLOCKS = {1, 16, 64};

  /** One evaluated configuration: all figures modeled. */
  public record Candidate(TileConfig tiles, int weightBufferBlocks, ResourceModel.Use resources, long cycles,
      double clockMhz, long flops, int fpgaLayers, int fallbackLayers) {
    public double milliseconds() {
      return cycles / (clockMhz * 1e3);
    }

    public double gflops() {
      return cycles == 0 ? 0 : flops / (cycles / (clockMhz * 1e6)) / 1e9;
    }
  }

  private DesignSpaceExplorer() {}

  /** The Pareto-best configurations, fastest first. */
  public static List<Candidate> explore(Board board, List<ConvLayer> layers, List<ConvPass> passes) {
    int kmax = layers.stream().mapToInt(ConvLayer::k).max().orElse(3);
    int smax = layers.stream().mapToInt(ConvLayer::stride).max().orElse(1);
    // two kernel-size limits: all layers, or 3x3 (smaller buffers; larger kernels fall back to cpu)
    int[] kLimits = kmax > 3 ? new int[] {3, kmax} : new int[] {kmax};
    List<Candidate> all = new ArrayList<>();
    for (int tm : CHANNEL_TILES) {
      for (int tn : CHANNEL_TILES) {
        for (int tr : PIXEL_TILES) {
          for (int tc : PIXEL_TILES) {
            for (int k : kLimits) {
              for (int wb : WEIGHT_BLOCKS) {
                TileConfig t = new TileConfig(tm, tn, tr, tc, k, smax);
                ResourceModel.Use use = ResourceModel.of(t, wb, board);
                if (use.fits(board)) {
                  all.add(evaluate(board, t, wb, use, layers, passes));
                }
              }
            }
          }
        }
      }
    }
    return pareto(all);
  }

  static Candidate evaluate(Board board, TileConfig t, int wb, ResourceModel.Use use, List<ConvLayer> layers,
      List<ConvPass> passes) {
    PerformanceModel model = new PerformanceModel(board.clockMhz(), board.offchipBandwidthGBps(), wb);
    long cycles = 0;
    long flops = 0;
    int onFpga = 0;
    int fallback = 0;
    for (ConvLayer l : layers) {
      if (TileRule.whyNot(l, t) != null) {
        fallback++;
        continue;
      }
      onFpga++;
      for (ConvPass p : passes) {
        LayerEstimate e = model.estimate(l, p, t);
        cycles += e.cycles();
        flops += e.flops();
      }
    }
    return new Candidate(t, wb, use, cycles, board.clockMhz(), flops, onFpga, fallback);
  }

  /** Keeps candidates no other dominates on (fallback layers, cycles, DSP, BRAM); fastest first. */
  static List<Candidate> pareto(List<Candidate> all) {
    List<Candidate> front = new ArrayList<>();
    for (Candidate c : all) {
      boolean dominated = false;
      for (Candidate o : all) {
        if (o != c && dominates(o, c)) {
          dominated = true;
          break;
        }
      }
      if (!dominated) {
        front.add(c);
      }
    }
    front.sort(Comparator.comparingInt(Candidate::fallbackLayers).thenComparingLong(Candidate::cycles)
        .thenComparingLong(c -> c.resources().dsp()));
    return front;
  }

  private static boolean dominates(Candidate a, Candidate b) {
    boolean noWorse = a.fallbackLayers() <= b.fallbackLayers() && a.cycles() <= b.cycles()
        && a.resources().dsp() <= b.resources().dsp() && a.resources().bram36() <= b.resources().bram36();
    boolean better = a.fallbackLayers() < b.fallbackLayers() || a.cycles() < b.cycles()
        || a.resources().dsp() < b.resources().dsp() || a.resources().bram36() < b.resources().bram36();
    return noWorse && better;
  }
}

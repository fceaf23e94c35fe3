package io.edgewise.backend.fpga;

/**
 * The analytical model's figures for one pass of one layer: modeled, never measured. Cycles are at the image's
 * clock; {@code computeCycles} and {@code transferCycles} are the sums of the two sides over the tiles, {@code cycles}
 * the sum over tiles of the larger one (double buffering overlaps them) plus the first load and the last store.
 */
public record LayerEstimate(String layer, ConvPass pass, long flops, long tiles, long computeCycles,
    long transferCycles, long cycles, double clockMhz) {
  public double seconds() {
    return cycles / (clockMhz * 1e6);
  }

  public double gflops() {
    return flops / seconds() / 1e9;
  }

  public boolean memoryBound() {
    return transferCycles > computeCycles;
  }
}

package io.edgewise.backend.fpga;

import io.edgewise.EdgewiseException;

/**
 * The tile sizes an FPGA image is synthesized with (fixed in the bitstream): {@code tm} output x {@code tn} input
 * channels per step (the MAC array), a {@code tr} x {@code tc} output tile, kernels up to {@code kmax} at strides up to
 * {@code smax}. The names follow EF-Train (Tang et al., ACM TODAES 2022) and Zhang et al. (FPGA 2015).
 */
public record TileConfig(int tm, int tn, int tr, int tc, int kmax, int smax) {
  public TileConfig {
    if (tm <= 0 || tn <= 0 || tr <= 0 || tc <= 0 || kmax <= 0 || smax <= 0) {
      throw EdgewiseException.invalidArgument("tile sizes must be positive: tm=" + tm + " tn=" + tn + " tr=" + tr
          + " tc=" + tc + " kmax=" + kmax + " smax=" + smax);
    }
  }

  /** Rows of the on-chip input buffer: the input tile of the largest kernel at the largest stride. */
  public int inputRows() {
    return (tr - 1) * smax + kmax;
  }

  public int inputCols() {
    return (tc - 1) * smax + kmax;
  }

  /** The -D options the kernel source is compiled with (aoc, v++ and the emulation build alike). */
  public String macros() {
    return "-DTM=" + tm + " -DTN=" + tn + " -DTR=" + tr + " -DTC=" + tc + " -DKMAX=" + kmax + " -DSMAX=" + smax;
  }

  @Override
  public String toString() {
    return "Tm=" + tm + " Tn=" + tn + " Tr=" + tr + " Tc=" + tc + " K<=" + kmax + " S<=" + smax;
  }
}

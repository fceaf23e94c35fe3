package io.edgewise.backend.fpga;

/**
 * The analytical cycle model of the tiled kernel (after EF-Train, Tang et al., ACM TODAES 2022, section 5, and
 * Zhang et al., FPGA 2015): per tile step the Tm x Tn MAC array needs Tr x Tc x k x k cycles (one tile column per
 * cycle, initiation interval 1), the memory ports need bytes / (bandwidth / clock) cycles, and with double-buffered
 * tiles a step costs the larger of the two. Bytes per step: the input block always; the weight block unless the
 * layer's weights for one output-channel block fit the on-chip weight buffer (then they load once per block and
 * are reused across all pixel tiles); the output block once per accumulator. Blocks are tile-contiguous (the host
 * reshapes them), so each moves at the ports' full bandwidth. Everything here is modeled.
 */
public final class PerformanceModel {
  private static final int FLOAT_BYTES = 4;

  private final double clockMhz;
  private final double bytesPerCycle;
  private final int weightBufferBlocks;

  /**
   * @param clockMhz the kernel clock
   * @param bandwidthGBps off-chip bytes per second (1e9) over all the kernel's ports
   * @param weightBufferBlocks weight blocks the on-chip weight buffer holds (EF-Train's TiTo)
   */
  public PerformanceModel(double clockMhz, double bandwidthGBps, int weightBufferBlocks) {
    this.clockMhz = clockMhz;
    this.bytesPerCycle = bandwidthGBps * 1e9 / (clockMhz * 1e6);
    this.weightBufferBlocks = weightBufferBlocks;
  }

  public static PerformanceModel of(BitstreamManifest image) {
    return new PerformanceModel(image.clockMhz(), image.offchipBandwidthGBps(), image.weightBufferBlocks());
  }

  public double clockMhz() {
    return clockMhz;
  }

  /** One pass of a layer with output tiles tr x tc (the image's, or a per-layer choice where the kernel allows it). */
  public LayerEstimate estimate(ConvLayer layer, ConvPass pass, int tm, int tn, int tr, int tc) {
    long[] g = layer.kernelShape(pass, tm, tn, tr, tc);
    long batch = g[0];
    long n = g[1];
    long m = g[4];
    long r = g[5];
    long c = g[6];
    long k = g[7];
    long s = g[8];
    long mb = ceil(m, tm);
    long nb = ceil(n, tn);
    long rt = ceil(r, tr);
    long ct = ceil(c, tc);
    long inBytes = (long) tn * ((tr - 1) * s + k) * ((tc - 1) * s + k) * FLOAT_BYTES;
    long weightBytes = (long) tm * tn * k * k * FLOAT_BYTES;
    long outBytes = (long) tm * tr * tc * FLOAT_BYTES;
    long computePerStep = (long) tr * tc * k * k;
    long steps;
    double bytesPerStep;
    double firstLoad;
    double lastStore;
    if (pass == ConvPass.WEIGHT_GRADIENT) {
      // one accumulator per (mb, nb) weight block, stepping over images and pixel tiles; dw written once per block
      long perBlock = batch * rt * ct;
      steps = mb * nb * perBlock;
      bytesPerStep = inBytes + outBytes + (double) weightBytes / perBlock;
      firstLoad = inBytes + outBytes;
      lastStore = weightBytes;
    } else {
      // one accumulator per (image, mb, pixel tile), stepping over input-channel blocks
      steps = batch * mb * rt * ct * nb;
      boolean reuse = nb <= weightBufferBlocks;
      double weightPerStep = reuse ? (double) nb * weightBytes / (batch * rt * ct * nb) : weightBytes;
      bytesPerStep = inBytes + weightPerStep + (double) outBytes / nb;
      firstLoad = inBytes + (reuse ? nb * weightBytes : weightBytes);
      lastStore = outBytes;
    }
    double transferPerStep = bytesPerStep / bytesPerCycle;
    long compute = steps * computePerStep;
    long transfer = Math.round(steps * transferPerStep);
    long cycles = Math.round(steps * Math.max(computePerStep, transferPerStep) + (firstLoad + lastStore) / bytesPerCycle);
    return new LayerEstimate(layer.name(), pass, layer.flops(), steps, compute, transfer, cycles, clockMhz);
  }

  /** With the image's fixed tiles. */
  public LayerEstimate estimate(ConvLayer layer, ConvPass pass, TileConfig t) {
    return estimate(layer, pass, t.tm(), t.tn(), t.tr(), t.tc());
  }

  private static long ceil(long a, long b) {
    return (a + b - 1) / b;
  }
}

package io.edgewise.backend.fpga;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.opencl.ClBuffer;
import io.edgewise.backend.opencl.ClContext;
import io.edgewise.backend.opencl.ClFootprint;
import io.edgewise.backend.opencl.ClKernel;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * Runs the three passes of the image's tiled kernel on an fpga device: the native core reshapes tensors into
 * tile-contiguous blocks (and back), the device runs ew_tiled_conv over them. Each call returns the kernel's device
 * time as measured by OpenCL profiling (on the emulator: emulator time, not FPGA time); the analytical model gives
 * the modeled FPGA time beside it ({@link PerformanceModel}).
 */
public final class FpgaConv {
  static final String KERNEL = "ew_tiled_conv";
  private static final int MODE_ACCUMULATE_OUTPUT = 0;
  private static final int MODE_ACCUMULATE_WEIGHTS = 1;

  private final ClContext ctx;
  private final ClKernel kernel;
  private final TileConfig tiles;
  private final ClFootprint footprint;

  public FpgaConv(ClContext ctx, FpgaImage image) {
    this.ctx = ctx;
    this.kernel = image.program().kernel(KERNEL);
    this.tiles = image.manifest().tiles();
    this.footprint = footprint(tiles.tm(), tiles.tn(), tiles.tr(), tiles.tc());
  }

  /**
   * What ew_tiled_conv (tiled_conv.cl, compiled with these tiles) reads and writes of its block buffers. Mode 0:
   * block blk = (b, mb, rt, ct) reads the input blocks (b, nb, rt, ct) and weight blocks (mb, nb) for every nb,
   * writes output block blk. Mode 1: blk = (mb, nb) reads the input blocks (b, nb, rt, ct) and output blocks
   * (b, mb, rt, ct) for every (b, rt, ct), writes weight block blk.
   */
  static ClFootprint footprint(long tm, long tn, long tr, long tc) {
    long outBlock = tm * tr * tc;
    return ClFootprint.of("in in_blocks, inout w_blocks, inout out_blocks, mode, k, s, batch, mb_count, nb_count, "
        + "rt_count, ct_count", (g, a, e) -> {
          long k = ClFootprint.i(a, 4);
          long s = ClFootprint.i(a, 5);
          long batch = ClFootprint.i(a, 6);
          long mbc = ClFootprint.i(a, 7);
          long nbc = ClFootprint.i(a, 8);
          long rtc = ClFootprint.i(a, 9);
          long ctc = ClFootprint.i(a, 10);
          long inBlock = tn * ((tr - 1) * s + k) * ((tc - 1) * s + k);
          long wBlock = tm * tn * k * k;
          long blk = g[0] - 1;
          if (ClFootprint.i(a, 3) == 0) {
            if (nbc > 0) {
              long[] radix = {1, mbc, rtc, ctc};
              e[0] = ClFootprint.maxOverDigits(blk, radix, new long[] {nbc * rtc * ctc, 0, ctc, 1})
                  * inBlock + ((nbc - 1) * rtc * ctc + 1) * inBlock;
              e[1] = ClFootprint.maxOverDigits(blk, radix, new long[] {0, nbc, 0, 0}) * wBlock + nbc * wBlock;
            }
            e[2] = (blk + 1) * outBlock;
          } else {
            if (batch > 0 && rtc > 0 && ctc > 0) {
              long nbMax = Math.min(nbc - 1, blk);
              e[0] = ((((batch - 1) * nbc + nbMax) * rtc + rtc - 1) * ctc + ctc) * inBlock;
              e[2] = ((((batch - 1) * mbc + blk / nbc) * rtc + rtc - 1) * ctc + ctc) * outBlock;
            }
            e[1] = (blk + 1) * wBlock;
          }
        });
  }

  public TileConfig tiles() {
    return tiles;
  }

  /** Element strides of a contiguous NCHW tensor / OIHW weight: the four the reshaping functions take. */
  public static long[] contiguous(long d0, long d1, long d2, long d3) {
    return new long[] {d1 * d2 * d3, d2 * d3, d3, 1};
  }

  /** The layer's geometry for a pass, refusing what the image's fixed tiles cannot run. */
  long[] geometry(ConvLayer l, ConvPass pass) {
    String why = TileRule.whyNot(l, tiles);
    if (why != null) {
      throw EdgewiseException.notImplemented("layer " + l.name() + " cannot run on this FPGA image (" + tiles + "): "
          + why);
    }
    return l.kernelShape(pass, tiles.tm(), tiles.tn(), tiles.tr(), tiles.tc());
  }

  /** Weights packed once (a session keeps them on the device and reuses them across tiles and runs). */
  public ClBuffer packWeights(ConvLayer l, ConvPass pass, long w, long[] wStrides) {
    long[] g = geometry(l, pass);
    try (Tensor blocks = scratch(g, NativeCore.FPGA_WEIGHTS)) {
      long[] s = pass == ConvPass.INPUT_GRADIENT ? new long[] {wStrides[1], wStrides[0], wStrides[2], wStrides[3]}
          : wStrides;
      NativeCore.fpgaPackWeights(g, w, s, blocks.nativeAddress());
      return upload(blocks);
    }
  }

  /**
   * Forward pass: y = act(conv(x, w) + bias + residual) with x and y addressed by strides. {@code weights} are
   * from {@link #packWeights} for this layer. Returns the measured device nanoseconds.
   */
  public long forward(ConvLayer l, long x, long[] xStrides, ClBuffer weights, long bias, long residual,
      int activation, float a, float b, long y, long[] yStrides) {
    long[] g = geometry(l, ConvPass.FORWARD);
    return accumulateOutput(g, x, xStrides, weights, bias, residual, activation, a, b, y, yStrides);
  }

  /** Input gradient dx of a contiguous NCHW layer, from dy and w (contiguous); measured device ns. */
  public long inputGradient(ConvLayer l, Tensor dy, Tensor w, Tensor dx) {
    long[] g = geometry(l, ConvPass.INPUT_GRADIENT);
    try (ClBuffer wb = packWeights(l, ConvPass.INPUT_GRADIENT, w.nativeAddress(),
        contiguous(l.m(), l.n(), l.k(), l.k()))) {
      return accumulateOutput(g, dy.nativeAddress(), contiguous(l.batch(), l.m(), l.r(), l.c()), wb, 0, 0, 0, 0, 0,
          dx.nativeAddress(), contiguous(l.batch(), l.n(), l.h(), l.w()));
    }
  }

  /** Weight gradient dw (contiguous [M][N][k][k]) from x and dy (contiguous NCHW); measured device ns. */
  public long weightGradient(ConvLayer l, Tensor x, Tensor dy, Tensor dw) {
    long[] g = geometry(l, ConvPass.WEIGHT_GRADIENT);
    try (Tensor in = scratch(g, NativeCore.FPGA_INPUT); Tensor out = scratch(g, NativeCore.FPGA_OUTPUT);
        Tensor wblocks = scratch(g, NativeCore.FPGA_WEIGHTS)) {
      NativeCore.fpgaPackInput(g, x.nativeAddress(), contiguous(l.batch(), l.n(), l.h(), l.w()), in.nativeAddress());
      NativeCore.fpgaPackOutput(g, dy.nativeAddress(), contiguous(l.batch(), l.m(), l.r(), l.c()),
          out.nativeAddress());
      long nanos;
      try (ClBuffer inb = upload(in); ClBuffer outb = upload(out); ClBuffer wb = ClBuffer.allocate(ctx,
          wblocks.byteSize())) {
        nanos = launch(g, MODE_ACCUMULATE_WEIGHTS, inb, wb, outb, blocks(g)[0] * blocks(g)[1]);
        wb.read(wblocks.buffer());
      }
      NativeCore.fpgaUnpackWeights(g, wblocks.nativeAddress(), dw.nativeAddress(),
          contiguous(l.m(), l.n(), l.k(), l.k()));
      return nanos;
    }
  }

  private long accumulateOutput(long[] g, long x, long[] xStrides, ClBuffer weights, long bias, long residual,
      int activation, float a, float b, long y, long[] yStrides) {
    try (Tensor in = scratch(g, NativeCore.FPGA_INPUT); Tensor out = scratch(g, NativeCore.FPGA_OUTPUT)) {
      NativeCore.fpgaPackInput(g, x, xStrides, in.nativeAddress());
      long nanos;
      try (ClBuffer inb = upload(in); ClBuffer outb = ClBuffer.allocate(ctx, out.byteSize())) {
        long[] n = blocks(g);
        nanos = launch(g, MODE_ACCUMULATE_OUTPUT, inb, weights, outb, g[0] * n[0] * n[2] * n[3]);
        outb.read(out.buffer());
      }
      NativeCore.fpgaUnpackOutput(g, out.nativeAddress(), bias, residual, activation, a, b, y, yStrides);
      return nanos;
    }
  }

  long launch(long[] g, int mode, ClBuffer in, ClBuffer w, ClBuffer out, long workItems) {
    long[] n = blocks(g);
    // the kernel indexes blocks with 32-bit ints
    if (workItems * Math.max(n[1], g[0] * n[2] * n[3]) > Integer.MAX_VALUE) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.RESOURCE_EXHAUSTED, "layer needs "
          + workItems + " accumulator blocks: too many for the image's 32-bit block indices");
    }
    return ctx.launch(kernel, footprint, new LaunchSite(mode, g), new long[] {workItems}, new long[] {1}, true, in,
        w, out, mode, (int) g[7], (int) g[8], (int) g[0], (int) n[0], (int) n[1], (int) n[2], (int) n[3]);
  }

  /** Names a launch in a failed check's message (its text is built only then). */
  private record LaunchSite(int mode, long[] geometry) {
    @Override
    public String toString() {
      return "the tiled convolution, mode " + mode + ", geometry " + java.util.Arrays.toString(geometry);
    }
  }

  /** Block counts: output-channel, input-channel, row and column blocks. */
  static long[] blocks(long[] g) {
    return new long[] {ceil(g[4], g[11]), ceil(g[1], g[12]), ceil(g[5], g[13]), ceil(g[6], g[14])};
  }

  private static long ceil(long a, long b) {
    return (a + b - 1) / b;
  }

  private static Tensor scratch(long[] g, int which) {
    return Tensor.allocate(DType.FLOAT32, Shape.of(NativeCore.fpgaBlockFloats(g, which)));
  }

  private ClBuffer upload(Tensor host) {
    ClBuffer b = ClBuffer.allocate(ctx, host.byteSize());
    try {
      b.write(host.buffer());
      return b;
    } catch (RuntimeException e) {
      b.close();
      throw e;
    }
  }
}

package io.edgewise.train;

import io.edgewise.backend.fpga.ConvLayer;
import io.edgewise.backend.fpga.FpgaBackend;
import io.edgewise.backend.fpga.FpgaConv;
import io.edgewise.backend.fpga.TileRule;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fpga device's training kernels: the image's unified tiled convolution kernel in its three modes (EF-Train's
 * forward, backward and weight update; {@link FpgaConv}). Convolutions the image cannot run (grouped, dilated,
 * non-square, or beyond its tile limits) and every GEMM run on the cpu kernels, and each such layer is logged once.
 * Owns the opened device: close() releases it.
 */
final class FpgaTrainingKernels implements TrainingKernels {
  private static final Logger LOG = LoggerFactory.getLogger(FpgaTrainingKernels.class);

  private final String name;
  private final FpgaBackend fpga;
  private final CpuTrainingKernels cpu = new CpuTrainingKernels();
  private final Set<String> reported = new HashSet<>();
  private long deviceNanos;

  FpgaTrainingKernels(String name) {
    this.name = name;
    this.fpga = FpgaBackend.open(name);
  }

  @Override
  public String device() {
    return name;
  }

  /** Device time of the passes run on the fpga so far, as OpenCL profiling measured it (emulator time there). */
  long deviceNanos() {
    return deviceNanos;
  }

  /** The layer when the image runs it, else null (and the reason logged once per geometry). */
  private ConvLayer layer(long[] g) {
    String why = null;
    if (g[7] != g[8] || g[9] != g[10]) {
      why = "non-square kernel or stride";
    } else if (g[11] != 1 || g[12] != 1) {
      why = "dilation";
    } else if (g[15] != 1) {
      why = "group=" + g[15];
    }
    ConvLayer l = null;
    if (why == null) {
      l = new ConvLayer("train", g[0], g[1], g[2], g[3], g[4], g[5], g[6], (int) g[7], (int) g[9], g[13], g[14]);
      why = TileRule.whyNot(l, fpga.conv().tiles());
    }
    if (why != null && reported.add(java.util.Arrays.toString(g))) {
      LOG.info("{}: convolution {} runs on cpu ({})", name, java.util.Arrays.toString(g), why);
    }
    return why == null ? l : null;
  }

  @Override
  public void convForward(long[] g, float[] x, float[] w, float[] bias, float[] y) {
    ConvLayer l = layer(g);
    if (l == null) {
      cpu.convForward(g, x, w, bias, y);
      return;
    }
    try (Tensor tx = tensor(x); Tensor tw = tensor(w); Tensor tb = bias == null ? null : tensor(bias);
        Tensor ty = Tensor.allocate(DType.FLOAT32, Shape.of(y.length));
        var wb = fpga.conv().packWeights(l, io.edgewise.backend.fpga.ConvPass.FORWARD, tw.nativeAddress(),
            FpgaConv.contiguous(l.m(), l.n(), l.k(), l.k()))) {
      deviceNanos += fpga.conv().forward(l, tx.nativeAddress(), FpgaConv.contiguous(l.batch(), l.n(), l.h(), l.w()),
          wb, tb == null ? 0 : tb.nativeAddress(), 0, 0, 0, 0, ty.nativeAddress(),
          FpgaConv.contiguous(l.batch(), l.m(), l.r(), l.c()));
      ty.buffer().asFloatBuffer().get(y);
    }
  }

  @Override
  public void convBackwardData(long[] g, float[] dy, float[] w, float[] dx) {
    ConvLayer l = layer(g);
    if (l == null) {
      cpu.convBackwardData(g, dy, w, dx);
      return;
    }
    try (Tensor tdy = tensor(dy); Tensor tw = tensor(w); Tensor tdx = Tensor.allocate(DType.FLOAT32,
        Shape.of(dx.length))) {
      deviceNanos += fpga.conv().inputGradient(l, tdy, tw, tdx);
      tdx.buffer().asFloatBuffer().get(dx);
    }
  }

  @Override
  public void convBackwardWeights(long[] g, float[] x, float[] dy, float[] dw) {
    ConvLayer l = layer(g);
    if (l == null) {
      cpu.convBackwardWeights(g, x, dy, dw);
      return;
    }
    try (Tensor tx = tensor(x); Tensor tdy = tensor(dy); Tensor tdw = Tensor.allocate(DType.FLOAT32,
        Shape.of(dw.length))) {
      deviceNanos += fpga.conv().weightGradient(l, tx, tdy, tdw);
      tdw.buffer().asFloatBuffer().get(dw);
    }
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, float[] b, float[] c,
      boolean accumulate) {
    cpu.gemm(transA, transB, m, n, k, a, b, c, accumulate);
  }

  private static Tensor tensor(float[] v) {
    return Tensor.ofFloats(Shape.of(v.length), v);
  }

  @Override
  public void close() {
    fpga.close();
  }
}

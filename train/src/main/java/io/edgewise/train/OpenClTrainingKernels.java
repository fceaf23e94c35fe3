package io.edgewise.train;

import io.edgewise.backend.opencl.ClArrays;
import io.edgewise.backend.opencl.ClBuffer;
import io.edgewise.backend.opencl.ClContext;
import io.edgewise.backend.opencl.ClConvTraining;
import io.edgewise.backend.opencl.ClDevice;
import io.edgewise.backend.opencl.ClDevices;
import io.edgewise.backend.opencl.ClPlatforms;
import io.edgewise.backend.opencl.ClProgramCache;
import io.edgewise.backend.opencl.ClPrograms;
import io.edgewise.backend.opencl.ClScratch;
import io.edgewise.backend.opencl.ClTrainTiles;
import io.edgewise.backend.opencl.ClTrainingOps;
import io.edgewise.backend.opencl.ConvProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The opencl device's training kernels: every convolution pass and every product on one OpenCL device, through the
 * kernels of kernels/train.cl (im2col / col2im reshaping around one batched tiled GEMM; {@link ClConvTraining}).
 * The trainer keeps its tensors on the Java heap, so each call copies its operands to device buffers (reused from
 * call to call) and its result back, so one caller at a time (the trainer's loop). Owns the context, its program and
 * the buffers: close() releases them.
 */
final class OpenClTrainingKernels implements TrainingKernels {
  private static final Logger LOG = LoggerFactory.getLogger(OpenClTrainingKernels.class);

  private final String name;
  private final ClContext context;
  private final ClScratch scratch;
  private final ClTrainingOps ops;
  private final ClConvTraining conv;
  private long deviceNanos;

  /**
   * Opens {@code opencl} or {@code opencl:i} with the device's default GEMM tiles and the default program cache;
   * kernels are profiled (each waits for its device time) only when the system property
   * {@code edgewise.opencl.profile} is true, since the waits cost about a fifth of an epoch on PoCL.
   */
  OpenClTrainingKernels(String name) {
    this(name, null, ClProgramCache.defaultCache(), Boolean.getBoolean("edgewise.opencl.profile"));
  }

  /** As above with explicit tiles (null: the device's defaults), program cache and profiling. */
  OpenClTrainingKernels(String name, ClTrainTiles tiles, ClProgramCache cache, boolean profile) {
    ClDevice device = ClPlatforms.device(ClDevices.parseIndex(name, "opencl"));
    this.name = name;
    this.context = ClContext.create(device);
    try {
      this.scratch = new ClScratch(context);
      ClTrainTiles t = tiles != null ? tiles : ClTrainTiles.defaults(device);
      this.ops = new ClTrainingOps(new ClPrograms(context, cache), t, profile);
      this.conv = new ClConvTraining(ops, scratch);
      LOG.info("{}: training kernels of kernels/{} with GEMM tiles {} on {}", name, ClTrainingOps.FILE, t,
          device.describe());
    } catch (RuntimeException e) {
      context.close();
      throw e;
    }
  }

  @Override
  public String device() {
    return name;
  }

  /** Device time of every kernel run so far, as OpenCL profiling measured it (transfers not included; 0 unprofiled). */
  long deviceNanos() {
    return deviceNanos;
  }

  /** Kernels launched so far. */
  long launches() {
    return ops.launches();
  }

  @Override
  public void convForward(long[] g, float[] x, float[] w, float[] bias, float[] y) {
    ConvProblem p = problem(g);
    ClBuffer bx = upload("x", x);
    ClBuffer bw = upload("w", w);
    ClBuffer bb = bias == null ? null : upload("bias", bias);
    ClBuffer by = scratch.floats("y", y.length);
    deviceNanos += conv.forward(p, bx, bw, bb, by);
    ClArrays.read(context, by, y, y.length);
  }

  @Override
  public void convBackwardData(long[] g, float[] dy, float[] w, float[] dx) {
    ConvProblem p = problem(g);
    ClBuffer bdy = upload("dy", dy);
    ClBuffer bw = upload("w", w);
    ClBuffer bdx = scratch.floats("dx", dx.length);
    deviceNanos += conv.backwardData(p, bdy, bw, bdx);
    ClArrays.read(context, bdx, dx, dx.length);
  }

  @Override
  public void convBackwardWeights(long[] g, float[] x, float[] dy, float[] dw) {
    ConvProblem p = problem(g);
    ClBuffer bx = upload("x", x);
    ClBuffer bdy = upload("dy", dy);
    ClBuffer bdw = scratch.floats("dw", dw.length);
    deviceNanos += conv.backwardWeights(p, bx, bdy, bdw);
    ClArrays.read(context, bdw, dw, dw.length);
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, float[] b, float[] c,
      boolean accumulate) {
    ClBuffer ba = upload("a", a);
    ClBuffer bb = upload("b", b);
    ClBuffer bc = accumulate ? upload("c", c) : scratch.floats("c", (long) m * n);
    if (transB) {
      // the GEMM kernel reads B's rows contiguously: transpose B [n, k] into [k, n] on the device first
      ClBuffer t = scratch.floats("b.transposed", (long) k * n);
      deviceNanos += ops.swapOuter(bb, t, null, scratch.floats("no-bias", 1), n, k, 1);
      bb = t;
    }
    // A's strides express its transpose for free: element (i, p) of op(A) is a[p * m + i] when transposed
    deviceNanos += ops.gemm(1, m, n, k, ba, transA ? 1 : k, transA ? m : 1, 0, bb, n, 0, bc, n, 0, 1f,
        accumulate ? 1f : 0f);
    ClArrays.read(context, bc, c, m * n);
  }

  private ClBuffer upload(String slot, float[] values) {
    ClBuffer b = scratch.floats(slot, values.length);
    ClArrays.write(context, b, values, values.length);
    return b;
  }

  /** The native core's 16 geometry values as the OpenCL backend's problem (begin pads; end pads follow). */
  static ConvProblem problem(long[] g) {
    int[] v = new int[16];
    for (int i = 0; i < 16; i++) {
      v[i] = Math.toIntExact(g[i]);
    }
    return new ConvProblem(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[13], v[14], v[11],
        v[12], v[15]);
  }

  @Override
  public void close() {
    if (ops.launches() > 0 && !ops.profiled()) {
      LOG.info("{}: {} kernels (not profiled: -Dedgewise.opencl.profile=true measures their device time)", name,
          ops.launches());
    } else if (ops.launches() > 0) {
      StringBuilder split = new StringBuilder();
      ops.deviceNanosByKernel().forEach((k, ns) -> split.append(split.length() == 0 ? "" : ", ").append(k)
          .append(' ').append(String.format("%.3f s", ns / 1e9)));
      LOG.info("{}: {} kernels, {} s of device time ({}; measured by OpenCL profiling, host copies not included)",
          name, ops.launches(), String.format("%.3f", deviceNanos / 1e9), split);
    }
    scratch.close();
    context.close();
  }
}

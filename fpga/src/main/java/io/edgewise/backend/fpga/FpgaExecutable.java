package io.edgewise.backend.fpga;

import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Executable;
import io.edgewise.backend.LayerFigures;
import io.edgewise.backend.OpProfile;
import io.edgewise.backend.cpu.CpuBackend;
import io.edgewise.backend.cpu.NativeActivation;
import io.edgewise.backend.opencl.ClBuffer;
import io.edgewise.backend.reference.Broadcast;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpKernel;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.backend.exec.GraphInterpreter;
import io.edgewise.backend.reference.ops.ConvGeometry;
import io.edgewise.backend.reference.ops.ConvKernel;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A model compiled for an fpga device: the cpu device's interpreter and kernels, with Conv, FusedConv and Gemm
 * overridden by the FPGA kernel for every call whose geometry the image's tiles run (the rest go to the cpu kernel
 * they override). Weights that are initializers are reshaped once and kept on the device for the session. Per
 * layer it keeps the measured kernel time and the modeled cycles.
 */
final class FpgaExecutable implements Executable {
  private final GraphInterpreter graph;
  private final CpuBackend.CpuKernelSet cpu;
  private final FpgaBackend backend;
  private final Graph model;
  private final PerformanceModel perf;
  private final Map<String, ClBuffer> weights = new ConcurrentHashMap<>();
  private final Map<String, Stats> stats = new ConcurrentHashMap<>();
  private volatile boolean closed;
  /** Layers the plan keeps on cpu (by first output). */
  private final java.util.Set<String> onCpu;

  /** One layer's totals: calls, measured device nanoseconds, modeled cycles, FLOPs per call. */
  private record Stats(String op, LongAdder calls, LongAdder nanos, LongAdder cycles, long flops) {}

  private FpgaExecutable(Model model, BackendOptions options, FpgaBackend backend, CpuBackend.CpuKernelSet cpu,
      java.util.Set<String> onCpu) {
    this.backend = backend;
    this.onCpu = java.util.Set.copyOf(onCpu);
    this.cpu = cpu;
    this.model = model.graph();
    this.perf = PerformanceModel.of(backend.manifest());
    // the image's ops over the cpu device's kernels: what the image does not run, cpu does
    OpRegistry r = cpu.registry().overlay("fpga");
    List<String> ops = backend.manifest().ops();
    OpKernel conv = r.get("", "Conv");
    OpKernel fused = r.get("io.edgewise", "FusedConv");
    OpKernel gemm = r.get("", "Gemm");
    if (ops.contains("Conv")) {
      r.override("", "Conv", (ctx, in) -> conv(ctx, in, false, conv));
    }
    if (ops.contains("FusedConv")) {
      r.override("io.edgewise", "FusedConv", (ctx, in) -> conv(ctx, in, true, fused));
    }
    if (ops.contains("Gemm")) {
      r.override("", "Gemm", (ctx, in) -> gemm(ctx, in, gemm));
    }
    this.graph = new GraphInterpreter(model, r, options);
  }

  static FpgaExecutable create(Model model, BackendOptions options, FpgaBackend backend, java.util.Set<String> onCpu) {
    CpuBackend.CpuKernelSet cpu = CpuBackend.kernels(model.graph());
    try {
      return new FpgaExecutable(model, options, backend, cpu, onCpu);
    } catch (RuntimeException e) {
      cpu.close();
      throw e;
    }
  }

  private Tensor[] conv(OpContext ctx, Tensor[] in, boolean fused, OpKernel fallback) {
    Tensor x = ctx.required(in, 0);
    Tensor w = ctx.required(in, 1);
    Tensor bias = in.length > 2 ? in[2] : null;
    Tensor residual = fused && in.length > 3 ? in[3] : null;
    if (onCpu.contains(ctx.node().output(0))) {
      return ctx.fallBack("placed on cpu at compile time (see the session log)", fallback, in);
    }
    if (!float32(x, w, bias, residual) || x.shape().rank() != 4 || w.shape().rank() != 4) {
      return ctx.fallBack("the image takes float32 2-D convolutions, got " + x.dtype() + " " + x.shape(), fallback,
          in);
    }
    ConvKernel plan = ConvKernel.plan(ctx, x.shape(), w.shape());
    ConvGeometry g = plan.geometry;
    String tiles = x.size() == 0 ? "an empty input" : TileRule.whyNot(g, plan.group, backend.manifest().tiles());
    if (tiles != null) {
      return ctx.fallBack("the image's tiles do not take it: " + tiles, fallback, in);
    }
    Shape out = plan.outputShape();
    if (bias != null && bias.size() != plan.outChannels) {
      throw ctx.invalid("bias B has " + bias.size() + " elements for " + plan.outChannels + " output channels");
    }
    if (residual != null && !residual.shape().equals(out)) {
      throw ctx.invalid("residual Z " + residual.shape() + " does not match the output " + out);
    }
    NativeActivation act = fused ? NativeActivation.of(ctx) : NativeActivation.NONE;
    ConvLayer layer = new ConvLayer(ctx.node().output(0), plan.batch, plan.channels, g.in[0], g.in[1],
        plan.outChannels, g.out[0], g.out[1], (int) g.kernel[0], (int) g.strides[0], g.padBegin[0], g.padBegin[1]);
    FpgaConv f = backend.conv();
    String key = ctx.node().input(1);
    boolean constant = model.isInitializer(key);
    java.util.function.Supplier<ClBuffer> pack = () -> f.packWeights(layer, ConvPass.FORWARD, w.nativeAddress(),
        FpgaConv.contiguous(layer.m(), layer.n(), layer.k(), layer.k()));
    ClBuffer wb = constant ? weightsFor(key, pack) : pack.get();
    Tensor y = Tensor.allocate(DType.FLOAT32, out);
    try {
      long nanos = f.forward(layer, x.nativeAddress(), FpgaConv.contiguous(layer.batch(), layer.n(), layer.h(),
          layer.w()), wb, bias == null ? 0 : bias.nativeAddress(), residual == null ? 0 : residual.nativeAddress(),
          act.code(), act.a(), act.b(), y.nativeAddress(), FpgaConv.contiguous(layer.batch(), layer.m(), layer.r(),
          layer.c()));
      record(ctx, layer, nanos);
    } catch (RuntimeException e) {
      y.close();
      throw e;
    } finally {
      if (!constant) {
        wb.close();
      }
    }
    return new Tensor[] {y};
  }

  /** Gemm as a 1x1 convolution over a 1 x rows image: y = alpha A B + beta C. */
  private Tensor[] gemm(OpContext ctx, Tensor[] in, OpKernel fallback) {
    Tensor a = ctx.required(in, 0);
    Tensor b = ctx.required(in, 1);
    Tensor c = in.length > 2 ? in[2] : null;
    if (onCpu.contains(ctx.node().output(0))) {
      return ctx.fallBack("placed on cpu at compile time (see the session log)", fallback, in);
    }
    if (!float32(a, b, c) || a.shape().rank() != 2 || b.shape().rank() != 2) {
      return ctx.fallBack("the image takes float32 matrices, got " + a.dtype() + " " + a.shape(), fallback, in);
    }
    boolean ta = ctx.node().attrInt("transA", 0) == 1;
    boolean tb = ctx.node().attrInt("transB", 0) == 1;
    long rows = a.shape().dim(ta ? 1 : 0);
    long features = a.shape().dim(ta ? 0 : 1);
    long outputs = b.shape().dim(tb ? 0 : 1);
    if (b.shape().dim(tb ? 1 : 0) != features) {
      throw ctx.invalid("inner dimensions differ: A " + a.shape() + " and B " + b.shape());
    }
    if (rows == 0 || features == 0 || outputs == 0) {
      return ctx.fallBack("an empty matrix", fallback, in);
    }
    Shape out = Shape.of(rows, outputs);
    float alpha = ctx.node().attrFloat("alpha", 1f);
    float beta = ctx.node().attrFloat("beta", 1f);
    if (c != null && !Broadcast.shape(c.shape(), out).equals(out)) {
      throw ctx.invalid("C " + c.shape() + " does not broadcast to " + out);
    }
    // a per-output bias with unit scales goes into the kernel's epilogue; anything else is applied afterwards
    boolean biasEpilogue = c != null && alpha == 1f && beta == 1f && c.size() == outputs
        && (c.shape().rank() == 1 || c.shape().dim(0) == 1);
    ConvLayer layer = ConvLayers.gemmLayer(ctx.node().output(0), rows, features, outputs);
    FpgaConv f = backend.conv();
    String key = ctx.node().input(1) + (tb ? "^T" : "");
    boolean constant = model.isInitializer(ctx.node().input(1));
    long[] wStrides = tb ? new long[] {features, 1, 0, 0} : new long[] {1, outputs, 0, 0};
    java.util.function.Supplier<ClBuffer> pack = () -> f.packWeights(layer, ConvPass.FORWARD, b.nativeAddress(),
        wStrides);
    ClBuffer wb = constant ? weightsFor(key, pack) : pack.get();
    Tensor y = Tensor.allocate(DType.FLOAT32, out);
    try {
      long[] xStrides = ta ? new long[] {0, rows, 0, 1} : new long[] {0, 1, 0, features};
      long nanos = f.forward(layer, a.nativeAddress(), xStrides, wb, biasEpilogue ? c.nativeAddress() : 0, 0, 0, 0, 0,
          y.nativeAddress(), new long[] {0, 1, 0, outputs});
      record(ctx, layer, nanos);
      if (!biasEpilogue && (alpha != 1f || c != null)) {
        float[] v = y.toFloatArray();
        float[] cv = c == null ? null : c.toFloatArray();
        int[] src = c == null ? null : Broadcast.sourceIndex(c.shape(), out);
        for (int i = 0; i < v.length; i++) {
          v[i] = alpha * v[i] + (cv == null || beta == 0f ? 0f : beta * cv[src[i]]);
        }
        y.setFloats(v);
      }
    } catch (RuntimeException e) {
      y.close();
      throw e;
    } finally {
      if (!constant) {
        wb.close();
      }
    }
    return new Tensor[] {y};
  }

  /** Constant weights are reshaped and uploaded once per session (weights computed at run time: once per call). */
  private ClBuffer weightsFor(String key, java.util.function.Supplier<ClBuffer> pack) {
    if (closed) {
      throw FpgaBackend.closed();
    }
    return weights.computeIfAbsent(key, k -> pack.get());
  }

  private void record(OpContext ctx, ConvLayer layer, long nanos) {
    Stats s = stats.computeIfAbsent(ctx.node().output(0), k -> new Stats(ctx.node().opType(), new LongAdder(),
        new LongAdder(), new LongAdder(), layer.flops()));
    s.calls().increment();
    s.nanos().add(nanos);
    s.cycles().add(perf.estimate(layer, ConvPass.FORWARD, backend.manifest().tiles()).cycles());
  }

  private static boolean float32(Tensor... ts) {
    for (Tensor t : ts) {
      if (t != null && t.dtype() != DType.FLOAT32) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    return graph.run(inputs);
  }

  @Override
  public OpProfile profile() {
    return graph.profile();
  }

  @Override
  public List<io.edgewise.backend.NodePlacement> placement() {
    return graph.placement();
  }

  @Override
  public List<LayerFigures> layerFigures() {
    String device = "fpga:" + backend.target().index();
    String what = backend.target().emulated() ? "emulator kernel time (OpenCL profiling, "
        + backend.target().device().platformName() + ")" : "device kernel time (OpenCL profiling)";
    List<LayerFigures> out = new ArrayList<>();
    stats.forEach((node, s) -> {
      long calls = s.calls().sum();
      out.add(new LayerFigures(node, s.op(), device, calls, s.flops(), s.nanos().sum(), what,
          calls == 0 ? 0 : s.cycles().sum() / calls, backend.manifest().clockMhz()));
    });
    return out;
  }

  @Override
  public void close() {
    closed = true;
    graph.close();
    weights.values().forEach(ClBuffer::close);
    weights.clear();
    cpu.close();
  }
}

package io.edgewise.backend.cpu;

import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Device;
import io.edgewise.backend.DeviceKind;
import io.edgewise.backend.Executable;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.backend.reference.ReferenceBackend;
import io.edgewise.backend.exec.GraphInterpreter;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.passes.ShapeSubgraphs;
import io.edgewise.nativecore.NativeCore;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The `cpu` device: the native core's vectorized, multithreaded kernels (packed GEMM with AVX-512/AVX2
 * micro-kernels, fused convolution) for Conv, FusedConv, Gemm and MatMul; every other op runs on the reference
 * kernel of the same node, and the session logs which ops did. Convolutions, pooling, residual adds and channel
 * concats run in the blocked layout NCHWc ({@link NchwcPlan}) with conversions only at the edges of each blocked
 * subgraph.
 */
public final class CpuBackend implements Backend {
  private static final Logger LOG = LoggerFactory.getLogger(CpuBackend.class);
  /** Which ops the device has kernels for (the packed weights of a session do not change that). */
  private static final OpRegistry OPS = ReferenceBackend.registry();

  /** FMA peak of all cores, measured once per process (about 0.1 s) the first time a device is described. */
  private static volatile double measuredPeak;
  /** The blocked-layout plan is on unless -Dedgewise.cpu.nchwc=false (to compare against the NCHW kernels). */
  private static final boolean NCHWC = !"false".equals(System.getProperty("edgewise.cpu.nchwc"));
  /** Elementwise chains are fused into one native pass unless -Dedgewise.cpu.fuseElementwise=false. */
  private static final boolean FUSE_ELEMENTWISE =
      !"false".equals(System.getProperty("edgewise.cpu.fuseElementwise"));
  /** QDQ runs become 8-bit table lookups ({@link QuantizedTables}) unless -Dedgewise.cpu.quantizedTables=false. */
  private static final boolean QUANTIZED_TABLES =
      !"false".equals(System.getProperty("edgewise.cpu.quantizedTables"));
  /**
   * Shape arithmetic (Shape, Gather, Cast, Concat of shape vectors, ...) runs once per input shape and is skipped on
   * later runs of that shape unless -Dedgewise.cpu.foldShapes=false.
   */
  private static final boolean FOLD_SHAPES = !"false".equals(System.getProperty("edgewise.cpu.foldShapes"));

  @Override
  public Device device() {
    int cores = Runtime.getRuntime().availableProcessors();
    if (measuredPeak == 0) {
      measuredPeak = NativeCore.measurePeakGflops(cores, 100);
    }
    return new Device("cpu", DeviceKind.CPU, "native core (" + NativeCore.isa() + ", " + NativeCore.threads()
        + " threads)", Runtime.getRuntime().maxMemory(), cores, measuredPeak, "measured");
  }

  @Override
  public String unsupportedReason(Node node, int opset) {
    return OPS.get(node.domain(), node.opType()) == null ? "no kernel for " + node.opType() : null;
  }

  @Override
  public Executable compile(Model model, BackendOptions options) {
    // the pool is process-wide: the last session opened sets its size
    NativeCore.setThreads(options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors());
    // QDQ runs between two quantized tensors become table lookups before the float chains are planned
    QuantizedTables.Result lookups = QUANTIZED_TABLES ? QuantizedTables.fuse(model)
        : new QuantizedTables.Result(model, java.util.Map.of());
    try {
      return compile(model, lookups, options);
    } catch (RuntimeException e) {
      lookups.close();
      throw e;
    }
  }

  private Executable compile(Model model, QuantizedTables.Result lookups, BackendOptions options) {
    Model fused = FUSE_ELEMENTWISE ? ElementwiseChains.fuse(lookups.model()) : lookups.model();
    NchwcPlan.Result plan =
        NCHWC ? NchwcPlan.plan(fused, NativeCore.nchwcBlock()) : new NchwcPlan.Result(fused, 0, 0);
    if (plan.blockedNodes() > 0) {
      LOG.info("{}: on cpu, {} nodes run in the blocked layout (NCHWc, {} channels per block, {} kernels) with {} "
          + "layout conversions", model.label(), plan.blockedNodes(), NativeCore.nchwcBlock(), NativeCore.nchwcIsa(),
          plan.conversions());
    }
    boolean[] shapeArithmetic = FOLD_SHAPES ? ShapeSubgraphs.shapeDetermined(plan.model().graph()) : new boolean[0];
    Set<String> fallback = new TreeSet<>();
    Set<String> folded = new TreeSet<>();
    List<Node> nodes = plan.model().graph().nodes();
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      if (i < shapeArithmetic.length && shapeArithmetic[i]) {
        folded.add(n.opType());
      } else if (!CpuKernels.NATIVE_OPS.contains(n.opType()) && !n.domain().equals(NchwcPlan.DOMAIN)) {
        fallback.add(n.opType());
      }
    }
    if (!fallback.isEmpty()) {
      LOG.info("{}: on cpu, these ops run on the reference kernels: {}", model.label(), fallback);
    }
    if (!folded.isEmpty()) {
      LOG.info("{}: on cpu, the shape arithmetic ({}) runs once per input shape, not per run", model.label(), folded);
    }
    PackedWeights packed = null;
    NchwcWeights blocked = null;
    QLinearConvWeights quantized = null;
    try {
      packed = PackedWeights.of(plan.model().graph());
      blocked = NchwcWeights.of(plan.model().graph());
      quantized = QLinearConvWeights.of(plan.model().graph());
      OpRegistry kernels = CpuKernels.overlay(ReferenceBackend.registry().overlay("cpu"), packed);
      NchwcKernels.overlay(kernels, blocked);
      CpuQuantKernels.overlayPrepared(kernels, quantized);
      CpuQuantKernels.overlayLookups(kernels, lookups.tables());
      CpuQuantKernels.overlayConvLookups(kernels, quantized, lookups.tables());
      // the reference kernels it falls back to (1-D/3-D convolutions, broadcast batched MatMul, ...) are no oracle
      // here: they use the native sgemm as the cpu device's own kernels do
      return new CpuExecutable(new GraphInterpreter(plan.model(), kernels, options.withRefGemm(NativeGemm.INSTANCE),
          shapeArithmetic), packed, blocked, quantized, lookups);
    } catch (RuntimeException e) {
      if (packed != null) {
        packed.close();
      }
      if (blocked != null) {
        blocked.close();
      }
      if (quantized != null) {
        quantized.close();
      }
      throw e;
    }
  }

  /**
   * The cpu device's kernels, over a copy of the reference registry, with the graph's weights packed for them: for
   * a backend that runs some nodes itself and hands the rest to cpu. The caller closes the weights after the
   * registry's last use.
   */
  public static CpuKernelSet kernels(io.edgewise.model.Graph graph) {
    PackedWeights packed = PackedWeights.of(graph);
    try {
      return new CpuKernelSet(CpuKernels.overlay(ReferenceBackend.registry().overlay("cpu"), packed), packed);
    } catch (RuntimeException e) {
      packed.close();
      throw e;
    }
  }

  /** The registry of {@link #kernels} and the packed weights it reads. */
  public record CpuKernelSet(OpRegistry registry, AutoCloseable weights) implements AutoCloseable {
    @Override
    public void close() {
      try {
        weights.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** The interpreter over the native kernels, owning the session's packed weights. */
  private record CpuExecutable(GraphInterpreter graph, PackedWeights packed, NchwcWeights blocked,
      QLinearConvWeights quantized, QuantizedTables.Result lookups) implements Executable {
    @Override
    public java.util.Map<String, io.edgewise.tensor.Tensor> run(java.util.Map<String, io.edgewise.tensor.Tensor> in) {
      return graph.run(in);
    }

    @Override
    public io.edgewise.backend.OpProfile profile() {
      return graph.profile();
    }

    @Override
    public java.util.List<io.edgewise.backend.NodePlacement> placement() {
      return graph.placement();
    }

    @Override
    public void close() {
      graph.close();
      packed.close();
      blocked.close();
      quantized.close();
      lookups.close();
    }
  }
}

package io.edgewise.backend.cpu;

import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Device;
import io.edgewise.backend.DeviceKind;
import io.edgewise.backend.Executable;
import io.edgewise.backend.reference.OpRegistry;
import io.edgewise.backend.reference.ReferenceBackend;
import io.edgewise.backend.reference.ReferenceExecutable;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.nativecore.NativeCore;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The `cpu` device: the native core's vectorized, multithreaded kernels (packed GEMM with AVX-512/AVX2
 * micro-kernels, fused convolution) for Conv, FusedConv, Gemm and MatMul; every other op runs on the reference
 * kernel of the same node, and the session logs which ops did.
 */
public final class CpuBackend implements Backend {
  private static final Logger LOG = LoggerFactory.getLogger(CpuBackend.class);
  /** Which ops the device has kernels for (the packed weights of a session do not change that). */
  private static final OpRegistry OPS = ReferenceBackend.registry();

  /** FMA peak of all cores, measured once per process (about 0.1 s) the first time a device is described. */
  private static volatile double measuredPeak;

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
    Set<String> fallback = new TreeSet<>();
    for (Node n : model.graph().nodes()) {
      if (!CpuKernels.NATIVE_OPS.contains(n.opType())) {
        fallback.add(n.opType());
      }
    }
    if (!fallback.isEmpty()) {
      LOG.info("{}: on cpu, these ops run on the reference kernels: {}", model.label(), fallback);
    }
    PackedWeights packed = PackedWeights.of(model.graph());
    try {
      OpRegistry kernels = CpuKernels.overlay(ReferenceBackend.registry().copy(), packed);
      return new CpuExecutable(new ReferenceExecutable(model, kernels, options), packed);
    } catch (RuntimeException e) {
      packed.close();
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
      return new CpuKernelSet(CpuKernels.overlay(ReferenceBackend.registry().copy(), packed), packed);
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
  private record CpuExecutable(ReferenceExecutable graph, PackedWeights packed) implements Executable {
    @Override
    public java.util.Map<String, io.edgewise.tensor.Tensor> run(java.util.Map<String, io.edgewise.tensor.Tensor> in) {
      return graph.run(in);
    }

    @Override
    public io.edgewise.backend.OpProfile profile() {
      return graph.profile();
    }

    @Override
    public void close() {
      graph.close();
      packed.close();
    }
  }
}

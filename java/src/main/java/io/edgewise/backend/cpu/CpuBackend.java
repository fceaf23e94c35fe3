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
  private static final OpRegistry REGISTRY = CpuKernels.overlay(ReferenceBackend.registry().copy());

  @Override
  public Device device() {
    return new Device("cpu", DeviceKind.CPU, "native core (" + NativeCore.isa() + ", " + NativeCore.threads()
        + " threads)", Runtime.getRuntime().maxMemory(), Runtime.getRuntime().availableProcessors(), 0, "unknown");
  }

  @Override
  public String unsupportedReason(Node node, int opset) {
    return REGISTRY.get(node.domain(), node.opType()) == null ? "no kernel for " + node.opType() : null;
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
    return new ReferenceExecutable(model, REGISTRY, options);
  }
}

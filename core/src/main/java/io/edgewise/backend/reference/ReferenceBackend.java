package io.edgewise.backend.reference;

import io.edgewise.backend.exec.GraphInterpreter;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Device;
import io.edgewise.backend.DeviceKind;
import io.edgewise.backend.Executable;
import io.edgewise.backend.reference.ops.ActivationOps;
import io.edgewise.backend.reference.ops.ConvOps;
import io.edgewise.backend.reference.ops.EinsumKernel;
import io.edgewise.backend.reference.ops.ElementwiseOps;
import io.edgewise.backend.reference.ops.IndexOps;
import io.edgewise.backend.reference.ops.MatrixOps;
import io.edgewise.backend.reference.ops.NonMaxSuppressionKernel;
import io.edgewise.backend.reference.ops.NormOps;
import io.edgewise.backend.reference.ops.PadOps;
import io.edgewise.backend.reference.ops.PoolOps;
import io.edgewise.backend.reference.ops.QuantOps;
import io.edgewise.backend.reference.ops.ReduceOps;
import io.edgewise.backend.reference.ops.ResizeOps;
import io.edgewise.backend.reference.ops.ShapeOps;
import io.edgewise.model.Model;
import io.edgewise.model.Node;

/**
 * The `ref` device: every supported op in plain Java, written for clarity over speed. It is the oracle the other
 * backends are tested against, so it never calls the native core: Conv, Gemm and MatMul use a GEMM lent through
 * {@link BackendOptions#refGemm()} only when a caller sets one (SessionOptions.withRefNativeGemm(true)).
 */
public final class ReferenceBackend implements Backend {
  private static final OpRegistry REGISTRY = buildRegistry();
  private static final Device DEVICE = new Device("ref", DeviceKind.REFERENCE,
      "plain-Java reference kernels (the test oracle)", Runtime.getRuntime().maxMemory(), 1, 0, "unknown");

  private static OpRegistry buildRegistry() {
    OpRegistry r = new OpRegistry();
    ConvOps.register(r);
    PoolOps.register(r);
    MatrixOps.register(r);
    QuantOps.register(r);
    ActivationOps.register(r);
    ElementwiseOps.register(r);
    ShapeOps.register(r);
    NormOps.register(r);
    ReduceOps.register(r);
    PadOps.register(r);
    ResizeOps.register(r);
    IndexOps.register(r);
    EinsumKernel.register(r);
    NonMaxSuppressionKernel.register(r);
    return r;
  }

  /** The kernels, shared by every instance (they are stateless). */
  public static OpRegistry registry() {
    return REGISTRY;
  }

  @Override
  public Device device() {
    return DEVICE;
  }

  @Override
  public String unsupportedReason(Node node, int opset) {
    return REGISTRY.get(node.domain(), node.opType()) == null
        ? "the reference backend has no kernel for " + OpRegistry.key(node.domain(), node.opType()) : null;
  }

  @Override
  public Executable compile(Model model, BackendOptions options) {
    return new GraphInterpreter(model, REGISTRY, options);
  }
}

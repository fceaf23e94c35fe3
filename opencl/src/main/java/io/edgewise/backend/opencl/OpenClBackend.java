package io.edgewise.backend.opencl;

import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Device;
import io.edgewise.backend.Executable;
import io.edgewise.backend.reference.ReferenceBackend;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The `opencl:i` device: convolutions, pooling, Gemm, elementwise ops and activations, Concat, Transpose and the
 * shape-only ops run as OpenCL kernels with tensors resident in device buffers; every other op runs on the
 * reference kernel of the same node (logged at session start). Owns the device's context, queue and programs.
 * Programs come from the on-disk binary cache after their first build; tile parameters from the tuning database
 * (read once, when the backend opens), else the device's defaults.
 */
public final class OpenClBackend implements Backend {
  private static final Logger LOG = LoggerFactory.getLogger(OpenClBackend.class);
  private final ClDevice device;
  private final ClContext context;
  private final ClPrograms programs;
  private final ClTuningDb tuning;
  private final ClOptions options;

  /** Opens {@code opencl:index} with the default options. */
  public OpenClBackend(int index) {
    this(index, ClOptions.defaults());
  }

  public OpenClBackend(int index, ClOptions options) {
    this.device = ClPlatforms.device(index);
    this.options = options;
    this.tuning = ClTuningDb.load(options.tuningDb());
    this.context = ClContext.create(device);
    this.programs = new ClPrograms(context, new ClProgramCache(options.binaryCache()));
  }

  public ClDevice clDevice() {
    return device;
  }

  public ClPrograms programs() {
    return programs;
  }

  /** The tuning database this backend read when it opened. */
  public ClTuningDb tuning() {
    return tuning;
  }

  @Override
  public Device device() {
    return ClDevices.asDevice(device, "opencl");
  }

  @Override
  public String unsupportedReason(Node node, int opset) {
    // every op the reference backend has runs here, on the device or on the host fallback
    return ReferenceBackend.registry().get(node.domain(), node.opType()) == null && ClNodeOps.forNode(node) == null
        ? "no kernel for " + (node.domain().isEmpty() ? "" : node.domain() + ".") + node.opType() : null;
  }

  @Override
  public Executable compile(Model model, BackendOptions backendOptions) {
    ClExecutable exe = new ClExecutable(model, backendOptions, context, programs, tuning, options,
        ReferenceBackend.registry());
    Set<String> host = exe.hostOps();
    if (!host.isEmpty()) {
      LOG.info("{}: on {}, these ops run on the host (reference kernels): {}", model.label(), device().name(), host);
    }
    return exe;
  }

  @Override
  public void close() {
    context.close();
  }
}

package io.edgewise.runtime;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.Backend;
import io.edgewise.backend.Executable;
import io.edgewise.backend.NodePlacement;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.tensor.Shape;
import io.edgewise.runtime.partition.PartitionedExecutable;
import io.edgewise.runtime.partition.Partitioner;
import io.edgewise.runtime.partition.Segment;
import io.edgewise.tensor.MemoryAccount;
import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An opened model, ready to run on one device.
 *
 * <pre>{@code
 * try (Session s = Session.open(path, SessionOptions.defaults().withDevice("ref"))) {
 *   Map<String, Tensor> out = s.run(Map.of("input", x));
 * }
 * }</pre>
 *
 * run() is thread-safe. Inputs stay owned by the caller; the returned tensors belong to the caller, who closes
 * them. close() releases the model and the device objects; run() after close() throws.
 */
public final class Session implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Session.class);
  private final Model model;
  private final Backend backend;
  private final Executable executable;
  /** ONNX Runtime for the segments the device cannot run, or null. */
  private final Backend fallback;
  private final SessionOptions options;
  /** Runs hold the read lock, close() the write lock: close waits for runs in flight, never frees under them. */
  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed;
  /** The native memory this session holds: its weights, packed weights, arena and pooled buffers, open outputs. */
  private final MemoryAccount memory;

  /** The device nodes run on when the session's device has no kernel for them (edgewise-ort). */
  static final String FALLBACK_DEVICE = "ort";

  private Session(Model model, Backend backend, Executable executable, SessionOptions options, Backend fallback,
      MemoryAccount memory) {
    this.memory = memory;
    this.model = model;
    this.backend = backend;
    this.executable = executable;
    this.fallback = fallback;
    this.options = options;
  }

  public static Session open(Path modelFile) {
    return open(modelFile, SessionOptions.defaults());
  }

  public static Session open(Path modelFile, SessionOptions options) {
    return open(OnnxImporter.load(modelFile), options);
  }

  /**
   * Opens a session over an already imported model; the session takes ownership of it. Its native memory is counted
   * in the {@link MemoryAccount} current on this thread (import the model inside that account's scope to count
   * everything the import allocated), or else in a new account that takes over the model's weights.
   */
  public static Session open(Model model, SessionOptions options) {
    MemoryAccount current = MemoryAccount.current();
    MemoryAccount account = current != null ? current : new MemoryAccount();
    for (Tensor w : model.graph().initializers().values()) {
      account.adopt(w);
    }
    try (MemoryAccount.Scope scope = account.enter()) {
      return open(model, options, account);
    }
  }

  private static Session open(Model model, SessionOptions options, MemoryAccount account) {
    Backend backend = null;
    Backend fallback = null;
    try {
      backend = Devices.open(options.device());
      if (options.optimize() && !backend.device().name().equals("ort")) {
        GraphOptimizer.optimize(model);
      }
      List<Node> unsupported = unsupported(model, backend);
      if (unsupported.isEmpty()) {
        Executable exe = backend.compile(model, options.backendOptions());
        return new Session(model, backend, exe, options, null, account);
      }
      // nodes the device has no kernel for run on ONNX Runtime, as segments between the device's own
      fallback = openFallback(model, backend, unsupported.get(0));
      LOG.info("{}: on {}, {} nodes ({}) run on {}", model.label(), backend.device().name(), unsupported.size(),
          unsupported.stream().map(Node::opType).distinct().sorted().toList(), FALLBACK_DEVICE);
      Backend device = backend;
      List<Segment> segments = Partitioner.partition(model.graph(),
          n -> device.unsupportedReason(n, model.opset()) == null ? device.device().name() : FALLBACK_DEVICE);
      Backend ort = fallback;
      Executable exe = new PartitionedExecutable(model, segments,
          d -> d.equals(FALLBACK_DEVICE) ? ort : device, options.backendOptions(), backend.device().name());
      return new Session(model, backend, exe, options, fallback, account);
    } catch (RuntimeException e) {
      if (backend != null) {
        backend.close();
      }
      if (fallback != null) {
        fallback.close();
      }
      model.close();
      throw e;
    }
  }

  /** The nodes the device has no kernel for. */
  private static List<Node> unsupported(Model model, Backend backend) {
    List<Node> out = new ArrayList<>();
    for (Node node : model.graph().nodes()) {
      if (backend.unsupportedReason(node, model.opset()) != null) {
        out.add(node);
      }
    }
    return out;
  }

  /**
   * ONNX Runtime for the nodes the device cannot run, where the edgewise-ort module is on the classpath; without it
   * (or on ort itself) such a model is refused, naming the first such node and why.
   */
  private static Backend openFallback(Model model, Backend backend, Node first) {
    String reason = backend.unsupportedReason(first, model.opset());
    if (backend.device().name().equals(FALLBACK_DEVICE) || !Devices.names().contains(FALLBACK_DEVICE)) {
      throw EdgewiseException.notImplemented(model.label() + ": " + first.describe() + " cannot run on device '"
          + backend.device().name() + "': " + reason + (backend.device().name().equals(FALLBACK_DEVICE) ? ""
          : " (with the edgewise-ort module on the classpath such nodes would run on ONNX Runtime)"));
    }
    return Devices.open(FALLBACK_DEVICE);
  }

  public Model model() {
    return model;
  }

  public SessionOptions options() {
    return options;
  }

  public String deviceName() {
    return backend.device().name();
  }

  /** Measured time per op type over this session's runs, or null when its device does not measure it. */
  public io.edgewise.backend.OpProfile profile() {
    return executable.profile();
  }

  /** Per-layer figures of the device (measured and modeled, each labelled); empty for devices without them. */
  public List<io.edgewise.backend.LayerFigures> layerFigures() {
    return executable.layerFigures();
  }

  /**
   * Where each node of the compiled graph runs (after the graph passes and the device's own planning, e.g. the cpu
   * device's blocked-layout nodes): the device whose kernel computes it and, for a node that runs on another device's
   * kernel than the session's (an op the device has no kernel for, or inputs its kernel declined in some run), why.
   * A device that runs the whole graph as one unit (ort) reports every node on itself.
   */
  public List<NodePlacement> placement() {
    List<NodePlacement> p = executable.placement();
    if (!p.isEmpty()) {
      return p;
    }
    return model.graph().nodes().stream().map(n -> NodePlacement.of(n, deviceName(), deviceName())).toList();
  }

  /**
   * Native bytes this session holds now, measured from its allocations (see {@link MemoryAccount}): the model's
   * weights, packed weights, the memory planner's arena and pooled buffers, and outputs of its runs not yet closed;
   * 0 after close(). Memory outside the native core's allocator (ONNX Runtime's, OpenCL's, the Java heap) is not in
   * it.
   */
  public long memoryBytes() {
    return memory.liveBytes();
  }

  /** The account {@link #memoryBytes()} reads (peak and allocation count too). */
  public MemoryAccount memoryAccount() {
    return memory;
  }

  public List<ValueInfo> inputs() {
    return model.graph().inputs();
  }

  public List<ValueInfo> outputs() {
    return model.graph().outputs();
  }

  /** Runs the model; checks input names, dtypes and shapes against the model's declarations first. */
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw EdgewiseException.invalidArgument("session for " + model.label() + " is closed");
      }
      validateInputs(inputs);
      try (MemoryAccount.Scope scope = memory.enter()) {
        return executable.run(inputs);
      }
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  // a loop, not a stream: this runs on every run (a stream pipeline per input was garbage, and late JIT work)
  private static boolean declares(List<ValueInfo> declared, String name) {
    for (ValueInfo v : declared) {
      if (v.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private void validateInputs(Map<String, Tensor> inputs) {
    List<ValueInfo> declared = model.graph().inputs();
    for (String name : inputs.keySet()) {
      if (!declares(declared, name)) {
        throw EdgewiseException.invalidArgument(model.label() + ": unknown input '" + name + "'; the model's inputs "
            + "are " + model.graph().inputNames());
      }
    }
    for (ValueInfo v : declared) {
      Tensor t = inputs.get(v.name());
      if (t == null) {
        throw EdgewiseException.invalidArgument(model.label() + ": input '" + v.name() + "' is missing (declared "
            + v + ")");
      }
      if (t.isClosed()) {
        throw EdgewiseException.invalidArgument(model.label() + ": input '" + v.name() + "' is a closed tensor");
      }
      if (!v.isSupported()) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.UNSUPPORTED_TYPE, model.label() + ": input '"
            + v.name() + "' has type " + v.unsupportedType() + ", which the runtime does not support");
      }
      if (t.dtype() != v.dtype()) {
        throw EdgewiseException.invalidArgument(model.label() + ": input '" + v.name() + "' must be "
            + v.dtype().onnxName() + ", got " + t.dtype().onnxName());
      }
      if (v.hasRank()) {
        Shape s = t.shape();
        boolean ok = s.rank() == v.dims().size();
        for (int i = 0; ok && i < s.rank(); i++) {
          ValueInfo.Dim d = v.dims().get(i);
          ok = !d.isKnown() || d.value() == s.dim(i);
        }
        if (!ok) {
          throw EdgewiseException.invalidArgument(model.label() + ": input '" + v.name() + "' has shape " + s
              + ", the model declares " + v.dims());
        }
      }
    }
  }

  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        executable.close();
        backend.close();
        if (fallback != null) {
          fallback.close();
        }
        model.close();
      }
    } finally {
      lifecycle.writeLock().unlock();
    }
  }
}

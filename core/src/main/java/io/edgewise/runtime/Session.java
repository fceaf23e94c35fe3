package io.edgewise.runtime;

import io.edgewise.ByName;
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
import io.edgewise.runtime.plan.Plan;
import io.edgewise.runtime.plan.PlannedExecutable;
import io.edgewise.runtime.plan.Planner;
import io.edgewise.runtime.plan.ProfileDb;
import io.edgewise.tensor.MemoryAccount;
import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
  /** The devices of an auto session (the planner's), else empty; {@code backend} is then null. */
  private final List<Backend> planned;
  /** Runs hold the read lock, close() the write lock: close waits for runs in flight, never frees under them. */
  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed;
  /** The native memory this session holds: its weights, packed weights, arena and pooled buffers, open outputs. */
  private final MemoryAccount memory;

  /** The device nodes run on when the session's device has no kernel for them (edgewise-ort). */
  static final String FALLBACK_DEVICE = "ort";

  private Session(Model model, Backend backend, Executable executable, SessionOptions options, Backend fallback,
      MemoryAccount memory) {
    this(model, backend, executable, options, fallback, memory, List.of());
  }

  private Session(Model model, Backend backend, Executable executable, SessionOptions options, Backend fallback,
      MemoryAccount memory, List<Backend> planned) {
    this.memory = memory;
    this.planned = List.copyOf(planned);
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
    if (options.device().equals("auto")) {
      return openPlanned(model, options, account);
    }
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
      // the nodes found above, by identity: the device is not asked a second time per node
      Set<Node> toFallback = Collections.newSetFromMap(new IdentityHashMap<>());
      toFallback.addAll(unsupported);
      List<Segment> segments = Partitioner.partition(model.graph(),
          n -> toFallback.contains(n) ? FALLBACK_DEVICE : device.device().name());
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

  /**
   * auto: every device to plan over opened (one that is missing or fails to open is left out, logged, and named in
   * the plan's notes), the graph passes, and an executable that plans at the first run of each input signature.
   */
  private static Session openPlanned(Model model, SessionOptions options, MemoryAccount account) {
    Map<String, Backend> backends = new LinkedHashMap<>();
    List<String> notes = new ArrayList<>();
    try {
      List<String> wanted = options.planDevices().isEmpty() ? Devices.plannable() : options.planDevices();
      if (options.planDevices().isEmpty() && wanted.size() <= 1) {
        // one device found (the cpu, where no accelerator module is on the class path): nothing to plan
        return open(model, options.withDevice(wanted.isEmpty() ? "cpu" : wanted.get(0)), account);
      }
      for (String name : wanted) {
        try {
          Backend b = Devices.open(name);
          if (backends.putIfAbsent(b.device().name(), b) != null) {
            b.close();  // named twice (opencl and opencl:0)
          }
        } catch (EdgewiseException e) {
          String why = name + " is missing or failed to open (" + e.getMessage().replaceFirst("^\\[\\w+\\] ", "")
              + "); planned without it";
          LOG.warn("{}: {}", model.label(), why);
          notes.add(why);
        }
      }
      if (backends.isEmpty()) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.DEVICE, model.label() + ": auto found no device to "
            + "plan on (" + String.join("; ", notes) + ")");
      }
      if (options.optimize()) {
        GraphOptimizer.optimize(model);
      }
      Planner planner = new Planner(ProfileDb.load(ProfileDb.defaultPath()), options.backendOptions());
      Executable exe = new PlannedExecutable(model, backends, planner, options.backendOptions(), notes);
      return new Session(model, null, exe, options, null, account, new ArrayList<>(backends.values()));
    } catch (RuntimeException e) {
      backends.values().forEach(Backend::close);
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

  /**
   * The session's device; for auto, the devices of the latest run's plan ("cpu", or "cpu+opencl:0" for a mixed
   * plan), and "auto" before the first run has planned.
   */
  public String deviceName() {
    if (backend != null) {
      return backend.device().name();
    }
    return ((PlannedExecutable) executable).devices();
  }

  /**
   * The placement plan of an auto session (node to device, regions with predicted and measured time, transfers,
   * notes) for the latest run's input signature; null before its first run and for a session on one device.
   */
  public Plan plan() {
    return executable instanceof PlannedExecutable p ? p.plan() : null;
  }

  /**
   * One round of a check of an auto session's plan beside its runs (each device of the plan runs the whole model in
   * a block, fed {@code inputs}; not counted as the plan's runs): {@link #plan()} then predicts each region at its
   * device's speed as checked. Nothing for other sessions or before the first run.
   */
  public void checkPlan(Map<String, Tensor> inputs) {
    checkPlan(inputs, 0);
  }

  /** {@link #checkPlan(Map)} with blocks of exactly {@code runs} timed runs each (0: the check's own bounds). */
  public void checkPlan(Map<String, Tensor> inputs, int runs) {
    if (executable instanceof PlannedExecutable p) {
      p.check(inputs, runs);
    }
  }

  /** Starts the measured region times of {@link #plan()} again (after a warm-up); nothing for other sessions. */
  public void resetPlanTimes() {
    if (executable instanceof PlannedExecutable p) {
      p.resetTimes();
    }
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

  private void validateInputs(Map<String, Tensor> inputs) {
    List<ValueInfo> declared = model.graph().inputs();
    for (String name : inputs.keySet()) {
      // ByName loops, no stream: this runs on every run (a stream pipeline per input was garbage, and late JIT work)
      ByName.require(declared, ValueInfo::name, name, model.label(), "input");
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
        if (backend != null) {
          backend.close();
        }
        planned.forEach(Backend::close);
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

package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Executable;
import io.edgewise.backend.OpProfile;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.Placements;
import io.edgewise.backend.NodePlacement;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorScope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a graph on one OpenCL device. Nodes with a device op run there and leave their results in device
 * buffers, so a run of consecutive device nodes (a subgraph) never touches the host; a node without one (or
 * whose inputs its device op declines) runs on the reference kernel, its device inputs read back first. Host
 * transfers thus happen only at the edges of device subgraphs: graph inputs (wrapped in place where the device
 * shares host memory), fallback nodes, and graph outputs. Weights are uploaded (or wrapped) once per executable.
 *
 * <p>Runs are serialised (one in-order queue per device); intermediate buffers are recycled across runs.
 */
final class ClExecutable implements Executable {
  /** The label of nodes this executable runs on the OpenCL device (the device family's name). */
  private static final String DEVICE = "opencl";
  private final Graph graph;
  private final int opset;
  private final BackendOptions options;
  private final ClContext context;
  private final ClPrograms programs;
  private final ClTuningDb tuning;
  private final ClOptions clOptions;
  private final ClNodeOp[] deviceOps;
  private final OpRegistry.Entry[] hostKernels;
  /** Where each node runs: on the device, or on the host kernel of the registry it was given (and why). */
  private final Placements placements;
  private final List<List<String>> lastUse;
  private final ClBufferPool pool;
  private final Map<String, DeviceTensor> constants = new HashMap<>();
  private final OpProfile profile = new OpProfile();
  private final boolean zeroCopy;
  private boolean closed;
  /** Node executions on the device and on the host fallback, over every executable of this process. */
  private static final java.util.concurrent.atomic.AtomicLong DEVICE_RUNS = new java.util.concurrent.atomic.AtomicLong();
  private static final java.util.concurrent.atomic.AtomicLong HOST_RUNS = new java.util.concurrent.atomic.AtomicLong();

  /** Nodes executed on an OpenCL device in this process (tests check where nodes ran). */
  static long deviceNodeRuns() {
    return DEVICE_RUNS.get();
  }

  /** Nodes executed on the host fallback by OpenCL executables in this process. */
  static long hostNodeRuns() {
    return HOST_RUNS.get();
  }

  ClExecutable(Model model, BackendOptions options, ClContext context, ClPrograms programs, ClTuningDb tuning,
      ClOptions clOptions, OpRegistry fallback) {
    this.graph = model.graph();
    this.opset = model.opset();
    this.options = options;
    this.context = context;
    this.programs = programs;
    this.tuning = tuning;
    // the placement planner's calibration asks for per-node times (BackendOptions.profileNodes)
    this.clOptions = options.profileNodes() && !clOptions.profile() ? clOptions.withProfile(true) : clOptions;
    this.zeroCopy = context.device().hostUnifiedMemory();
    this.pool = new ClBufferPool(context);
    List<Node> nodes = graph.nodes();
    this.deviceOps = new ClNodeOp[nodes.size()];
    this.hostKernels = new OpRegistry.Entry[nodes.size()];
    List<String> devices = new java.util.ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      deviceOps[i] = ClNodeOps.forNode(n);
      hostKernels[i] = fallback.get(n.domain(), n.opType());
      if (hostKernels[i] == null && deviceOps[i] == null) {
        throw EdgewiseException.notImplemented(model.label() + ": " + n.describe() + " has no kernel");
      }
      devices.add(deviceOps[i] != null ? DEVICE : hostKernels[i].device());
    }
    this.placements = new Placements(nodes, devices, DEVICE);
    this.lastUse = lastUses(nodes, new HashSet<>(graph.outputNames()));
  }

  /** Op types this graph runs on the host fallback (for the session's log). */
  Set<String> hostOps() {
    Set<String> out = new java.util.TreeSet<>();
    for (int i = 0; i < deviceOps.length; i++) {
      if (deviceOps[i] == null) {
        out.add(graph.nodes().get(i).opType());
      }
    }
    return out;
  }

  /** The convolutions planned by the runs so far, by node output: their shape, kernel and tile parameters. */
  synchronized Map<String, ClConvolution> convolutions() {
    Map<String, ClConvolution> out = new LinkedHashMap<>();
    for (int i = 0; i < deviceOps.length; i++) {
      if (deviceOps[i] instanceof ConvNodeOp c) {
        for (ClConvolution conv : c.planned()) {
          out.put(graph.nodes().get(i).output(0), conv);
        }
      }
    }
    return out;
  }

  private static List<List<String>> lastUses(List<Node> nodes, Set<String> keep) {
    Map<String, Integer> last = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      for (String in : nodes.get(i).inputs()) {
        last.put(in, i);
      }
      for (String out : nodes.get(i).outputs()) {
        last.putIfAbsent(out, i);
      }
    }
    List<List<String>> perNode = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      perNode.add(new ArrayList<>());
    }
    last.forEach((value, index) -> {
      if (!keep.contains(value) && !value.isEmpty()) {
        perNode.get(index).add(value);
      }
    });
    return perNode;
  }

  /** A value of one run: on the host, on the device, or both (the copies agree). */
  private final class Slot {
    final Shape shape;
    final DType dtype;
    final String constant;  // the initializer's name, null for computed values
    Tensor host;
    boolean ownsHost;
    DeviceTensor device;

    Slot(Shape shape, DType dtype, Tensor host, boolean ownsHost, DeviceTensor device, String constant) {
      this.shape = shape;
      this.dtype = dtype;
      this.host = host;
      this.ownsHost = ownsHost;
      this.device = device;
      this.constant = constant;
    }

    DeviceTensor device() {
      if (device == null) {
        if (dtype != DType.FLOAT32) {
          throw new EdgewiseException(EdgewiseException.ErrorCode.INTERNAL, "a " + dtype + " value was sent to the "
              + "device");
        }
        device = constant != null ? constantOnDevice(constant, host) : upload(host, shape);
      }
      return device;
    }

    Tensor host() {
      if (host == null) {
        host = Tensor.allocate(DType.FLOAT32, shape);
        ownsHost = true;
        device.buffer().read(host.buffer());  // blocking, after every kernel enqueued before it
      }
      return host;
    }

    /**
     * Releases the value. Host memory that a device buffer wraps (zero-copy) is not freed here but added to
     * {@code afterQueue}: kernels run asynchronously, and one enqueued before this point may still read it; freed at
     * once, the memory went back to the pool and the next host node's output overwrote it under the kernel (wrong
     * answers that changed from run to run) or was unmapped under it (a SIGSEGV inside the PoCL kernel).
     */
    void release(List<Tensor> afterQueue) {
      boolean wrapped = device != null && device.buffer().wrapsHost();
      if (device != null) {
        device.release();  // first: it may wrap the host memory
        device = null;
      }
      if (ownsHost && host != null) {
        if (wrapped) {
          afterQueue.add(host);
        } else {
          host.close();
        }
      }
      host = null;
    }
  }

  private DeviceTensor upload(Tensor host, Shape shape) {
    if (zeroCopy && host.byteSize() > 0) {
      return DeviceTensor.of(shape, ClBuffer.wrap(context, host.buffer()), null);
    }
    ClBuffer b = pool.take(host.byteSize());
    b.write(host.buffer());
    return DeviceTensor.of(shape, b, pool);
  }

  /** A constant's device copy lives as long as the executable (the model outlives it, so wrapping is safe). */
  private DeviceTensor constantOnDevice(String name, Tensor value) {
    DeviceTensor d = constants.get(name);
    if (d == null) {
      d = DeviceTensor.of(value.shape(), copyOf(value), null);
      constants.put(name, d);
    }
    return d.retain();
  }

  private ClBuffer copyOf(Tensor t) {
    if (zeroCopy && t.byteSize() > 0) {
      return ClBuffer.wrap(context, t.buffer());
    }
    ClBuffer b = ClBuffer.allocate(context, t.byteSize());
    b.write(t.buffer());
    return b;
  }

  @Override
  public synchronized Map<String, Tensor> run(Map<String, Tensor> inputs) {
    if (closed) {
      throw EdgewiseException.invalidArgument("OpenCL executable is closed");
    }
    Map<String, Slot> values = new HashMap<>();
    // host memory of released values that device buffers wrapped: freed once the queue has drained
    List<Tensor> afterQueue = new ArrayList<>();
    try {
      for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
        Tensor t = e.getValue();
        values.put(e.getKey(), new Slot(t.shape(), t.dtype(), t, false, null, null));
      }
      List<Node> nodes = graph.nodes();
      for (int i = 0; i < nodes.size(); i++) {
        Node node = nodes.get(i);
        Slot[] args = new Slot[node.inputs().size()];
        for (int k = 0; k < args.length; k++) {
          String name = node.inputs().get(k);
          if (!name.isEmpty()) {
            args[k] = lookup(values, name, node, k);
          }
        }
        long start = System.nanoTime();
        long[] deviceNanos = {0};
        DeviceTensor[] out = deviceOps[i] == null ? null : runOnDevice(i, node, args, deviceNanos);
        if (out != null) {
          DEVICE_RUNS.incrementAndGet();
          store(values, node, out);
          if (clOptions.profile()) {
            profile.record(node.opType(), node.output(0), deviceNanos[0]);
          }
        } else {
          if (deviceOps[i] != null) {
            placements.fellBack(i, hostKernels[i] == null ? "ref" : hostKernels[i].device(),
                "the device computes float32; inputs of other types run on the host");
          }
          HOST_RUNS.incrementAndGet();
          runOnHost(i, node, args, values);
          if (clOptions.profile()) {
            profile.record(node.opType() + " (host)", node.output(0), System.nanoTime() - start);
          }
        }
        for (String dead : lastUse.get(i)) {
          Slot s = values.remove(dead);
          if (s != null) {
            s.release(afterQueue);
          }
        }
      }
      Map<String, Tensor> outputs = new LinkedHashMap<>();
      for (String name : graph.outputNames()) {
        Slot s = values.get(name) != null ? values.get(name) : lookup(values, name, null, -1);
        Tensor t = s.host();
        if (s.ownsHost) {
          s.ownsHost = false;  // handed to the caller
        } else {
          t = t.copy();
        }
        outputs.put(name, t);
      }
      return outputs;
    } finally {
      // no kernel may still read memory the caller owns (its inputs, wrapped) or memory freed below once run returns
      context.finish();
      values.values().forEach(s -> s.release(afterQueue));
      afterQueue.forEach(Tensor::close);
    }
  }

  private Slot lookup(Map<String, Slot> values, String name, Node node, int index) {
    Slot s = values.get(name);
    if (s == null) {
      Tensor init = graph.initializers().get(name);
      if (init == null) {
        throw EdgewiseException.invalidArgument((node == null ? "graph output" : node.describe() + " input[" + index
            + "]") + " '" + name + "' has no value (was the graph input fed?)");
      }
      s = new Slot(init.shape(), init.dtype(), init, false, null, name);
      values.put(name, s);
    }
    return s;
  }

  private DeviceTensor[] runOnDevice(int index, Node node, Slot[] slots, long[] nanos) {
    List<DeviceTensor> allocated = new ArrayList<>();  // released if the op fails part-way
    NodeArgs args = new NodeArgs() {
      @Override
      public Node node() {
        return node;
      }

      @Override
      public int opset() {
        return opset;
      }

      @Override
      public boolean present(int i) {
        return i < slots.length && slots[i] != null;
      }

      @Override
      public Shape shape(int i) {
        return slots[i].shape;
      }

      @Override
      public DType dtype(int i) {
        return slots[i].dtype;
      }

      @Override
      public DeviceTensor device(int i) {
        return slots[i].device();
      }

      @Override
      public Tensor constant(int i) {
        return slots[i].constant != null ? slots[i].host : null;
      }

      @Override
      public DeviceTensor allocate(Shape shape) {
        long bytes = shape.numElements() * 4;
        DeviceTensor t = DeviceTensor.of(shape, pool.take(bytes), pool);
        allocated.add(t);
        return t;
      }

      @Override
      public ClPrograms programs() {
        return programs;
      }

      @Override
      public ConvChoice conv(ConvProblem p, boolean constantWeights) {
        return tuning.choose(context.device(), p, constantWeights);
      }

      @Override
      public boolean halfWeights() {
        return clOptions.halfWeights();
      }

      @Override
      public boolean profile() {
        return clOptions.profile();
      }

      @Override
      public void addDeviceNanos(long n) {
        nanos[0] += n;
      }
    };
    for (int i = 0; i < slots.length; i++) {
      if (slots[i] != null && slots[i].dtype != DType.FLOAT32) {
        return null;  // the device computes in float32; integer and shape plumbing stays on the host
      }
    }
    try {
      return deviceOps[index].run(args);
    } catch (RuntimeException e) {
      allocated.forEach(DeviceTensor::release);
      if (!(e instanceof EdgewiseException ee)) {
        throw new EdgewiseException(EdgewiseException.ErrorCode.INTERNAL, node.describe() + " failed on "
            + context.device().name() + ": " + e, e);
      }
      String message = ee.getMessage().replaceFirst("^\\[\\w+\\] ", "");
      throw message.contains(node.describe()) ? ee : new EdgewiseException(ee.code(), node.describe() + ": "
          + message, ee);
    }
  }

  private void store(Map<String, Slot> values, Node node, DeviceTensor[] out) {
    for (int k = 0; k < out.length; k++) {
      String name = k < node.outputs().size() ? node.output(k) : "";
      if (name.isEmpty()) {
        out[k].release();
      } else {
        Slot previous = values.put(name, new Slot(out[k].shape(), DType.FLOAT32, null, false, out[k], null));
        if (previous != null) {
          releaseNow(previous);
        }
      }
    }
  }

  private void runOnHost(int index, Node node, Slot[] slots, Map<String, Slot> values) {
    if (hostKernels[index] == null) {
      throw EdgewiseException.notImplemented(node.describe() + " has no kernel for these inputs on the host");
    }
    Tensor[] args = new Tensor[slots.length];
    for (int k = 0; k < slots.length; k++) {
      args[k] = slots[k] == null ? null : slots[k].host();
    }
    Tensor[] results;
    try (TensorScope scope = TensorScope.open()) {
      results = hostKernels[index].compute(new OpContext(node, opset, options, placements, index), args);
      scope.keep(results);
    } catch (EdgewiseException e) {
      String message = e.getMessage().replaceFirst("^\\[\\w+\\] ", "");
      throw message.contains(node.describe()) ? e : new EdgewiseException(e.code(), node.describe() + ": " + message,
          e);
    } catch (RuntimeException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.INVALID_ARGUMENT, node.describe() + " failed: " + e, e);
    }
    for (int k = 0; k < results.length; k++) {
      Tensor r = results[k];
      String name = k < node.outputs().size() ? node.output(k) : "";
      if (r == null) {
        if (!name.isEmpty()) {
          throw EdgewiseException.invalidModel(node.describe() + " produces no output[" + k + "] '" + name + "'");
        }
        continue;
      }
      if (name.isEmpty()) {
        r.close();
        continue;
      }
      Slot previous = values.put(name, new Slot(r.shape(), r.dtype(), r, true, null, null));
      if (previous != null) {
        releaseNow(previous);
      }
    }
  }

  /** Releases a value outside the run's bookkeeping (a name written twice), waiting for the queue if it must. */
  private void releaseNow(Slot s) {
    List<Tensor> wrapped = new ArrayList<>();
    s.release(wrapped);
    if (!wrapped.isEmpty()) {
      context.finish();
      wrapped.forEach(Tensor::close);
    }
  }

  @Override
  public List<NodePlacement> placement() {
    return placements.snapshot();
  }

  @Override
  public OpProfile profile() {
    return clOptions.profile() ? profile : null;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (ClNodeOp op : deviceOps) {
      if (op != null) {
        op.close();
      }
    }
    constants.values().forEach(DeviceTensor::release);
    constants.clear();
    pool.close();
  }
}

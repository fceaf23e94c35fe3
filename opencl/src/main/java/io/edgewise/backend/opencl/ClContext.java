package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import java.util.HashMap;
import java.util.Map;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_mem;

/**
 * One device's context and its in-order command queue (with profiling enabled), plus the programs built in it.
 * It owns them all and releases them in close(). Kernel launches are serialised here (an OpenCL kernel object's
 * arguments are shared state), so one context may be used from several threads.
 */
public final class ClContext implements AutoCloseable {
  private enum State { OPEN, CLOSED }

  private final ClDevice device;
  private final cl_context context;
  private final cl_command_queue queue;
  private final Map<String, ClProgram> programs = new HashMap<>();
  private State state = State.OPEN;

  private ClContext(ClDevice device, cl_context context, cl_command_queue queue) {
    this.device = device;
    this.context = context;
    this.queue = queue;
  }

  /** A new context and profiling queue on the device; the caller closes it. */
  public static ClContext create(ClDevice device) {
    int[] err = new int[1];
    cl_device_id[] ids = {device.id()};
    org.jocl.cl_context_properties props = new org.jocl.cl_context_properties();
    props.addProperty(CL.CL_CONTEXT_PLATFORM, device.platform());
    cl_context ctx = CL.clCreateContext(props, 1, ids, null, null, err);
    ClErrors.check(err[0], "clCreateContext on opencl:" + device.index());
    // clCreateCommandQueue (1.x) rather than ...WithProperties (2.0+): FPGA platforms are often OpenCL 1.2
    @SuppressWarnings("deprecation")
    cl_command_queue q = CL.clCreateCommandQueue(ctx, device.id(), CL.CL_QUEUE_PROFILING_ENABLE, err);
    if (err[0] != CL.CL_SUCCESS) {
      CL.clReleaseContext(ctx);
      ClErrors.check(err[0], "clCreateCommandQueue on opencl:" + device.index());
    }
    return new ClContext(device, ctx, q);
  }

  public ClDevice device() {
    return device;
  }

  cl_context handle() {
    ensureOpen();
    return context;
  }

  cl_command_queue queue() {
    ensureOpen();
    return queue;
  }

  /**
   * The program for this source and build options: built once per context, and through {@code cache} at most
   * once per (device, driver, source, options) on this machine. Owned by this context.
   */
  public synchronized ClProgram program(String source, String options, ClProgramCache cache) {
    ensureOpen();
    String key = ClProgramCache.key(device, source, options);
    ClProgram p = programs.get(key);
    if (p == null) {
      p = cache.load(this, source, options);
      programs.put(key, p);
    }
    return p;
  }

  /** Adopts a program built elsewhere (e.g. from an FPGA image) so that it is released with this context. */
  public synchronized ClProgram adopt(String key, ClProgram program) {
    ensureOpen();
    ClProgram old = programs.put(key, program);
    if (old != null && old != program) {
      old.close();
    }
    return program;
  }

  /**
   * Sets the kernel's arguments and enqueues it. Arguments: {@link ClBuffer}, Integer, Long (as cl_long), Float,
   * or {@link ClLocal} (local memory of a size). {@code local} may be null (the driver chooses). Returns the
   * device time in nanoseconds when {@code profile} is set (waiting for the kernel), else -1 without waiting.
   */
  public long launch(ClKernel kernel, long[] global, long[] local, boolean profile, Object... args) {
    return launch(kernel, null, null, global, local, profile, args);
  }

  /**
   * As {@link #launch(ClKernel, long[], long[], boolean, Object...)}, checked first: always the cheap checks (no
   * null, closed or pooled buffer argument; global sizes in 1..Integer.MAX_VALUE, as the kernels index with int;
   * local sizes dividing them), and when {@link ClFootprint#enabled()} the buffers against what the kernel will read
   * and write ({@code footprint}, may be null). {@code site} names the launch's origin in errors (a node, a problem).
   */
  public synchronized long launch(ClKernel kernel, ClFootprint footprint, Object site, long[] global, long[] local,
      boolean profile, Object... args) {
    ensureOpen();
    checkRanges(kernel, site, global, local, args);
    if (footprint != null && ClFootprint.enabled()) {
      footprint.check(kernel.name(), site, global, local, args);
    }
    for (int i = 0; i < args.length; i++) {
      kernel.setArg(i, args[i]);
    }
    cl_event event = profile ? new cl_event() : null;
    ClErrors.check(CL.clEnqueueNDRangeKernel(queue, kernel.handle(), global.length, null, global, local, 0, null,
        event), "clEnqueueNDRangeKernel(" + kernel.name() + ", global " + java.util.Arrays.toString(global)
        + ", local " + java.util.Arrays.toString(local) + ")");
    if (!profile) {
      return -1;
    }
    try {
      ClErrors.check(CL.clWaitForEvents(1, new cl_event[] {event}), "clWaitForEvents(" + kernel.name() + ")");
      long[] start = new long[1];
      long[] end = new long[1];
      ClErrors.check(CL.clGetEventProfilingInfo(event, CL.CL_PROFILING_COMMAND_START, Sizeof.cl_ulong,
          Pointer.to(start), null), "clGetEventProfilingInfo");
      ClErrors.check(CL.clGetEventProfilingInfo(event, CL.CL_PROFILING_COMMAND_END, Sizeof.cl_ulong,
          Pointer.to(end), null), "clGetEventProfilingInfo");
      return end[0] - start[0];
    } finally {
      CL.clReleaseEvent(event);
    }
  }

  /** The checks every launch gets: cheap, no allocation unless one fails. */
  private static void checkRanges(ClKernel kernel, Object site, long[] global, long[] local, Object[] args) {
    if (global.length < 1 || global.length > 3 || (local != null && local.length != global.length)) {
      throw badLaunch(kernel, site, global, local, "needs 1 to 3 global dimensions and as many local ones");
    }
    for (int d = 0; d < global.length; d++) {
      if (global[d] <= 0 || global[d] > Integer.MAX_VALUE) {
        throw badLaunch(kernel, site, global, local, "global size " + global[d] + " in dimension " + d
            + " is outside 1.." + Integer.MAX_VALUE + " (the kernels index with int)");
      }
      if (local != null && (local[d] <= 0 || global[d] % local[d] != 0)) {
        throw badLaunch(kernel, site, global, local, "local size " + local[d] + " does not divide global size "
            + global[d] + " in dimension " + d);
      }
    }
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      if (a == null) {
        throw badLaunch(kernel, site, global, local, "argument " + i + " is null");
      }
      if (a instanceof ClBuffer b && (b.isClosed() || b.isPooled())) {
        throw badLaunch(kernel, site, global, local, "argument " + i + " is a buffer of " + b.bytes() + " bytes "
            + (b.isClosed() ? "that was closed" : "that was released to its pool"));
      }
    }
  }

  private static EdgewiseException badLaunch(ClKernel kernel, Object site, long[] global, long[] local,
      String what) {
    return EdgewiseException.invalidArgument("launch check: kernel " + kernel.name() + " " + ClFootprint.site(site)
        + ": " + what + "; global " + java.util.Arrays.toString(global) + ", local "
        + java.util.Arrays.toString(local));
  }

  /** Copies {@code bytes} from one buffer to another on the device (enqueued, in order). */
  public synchronized void copy(ClBuffer from, long fromOffset, ClBuffer to, long toOffset, long bytes) {
    ensureOpen();
    ClErrors.check(CL.clEnqueueCopyBuffer(queue, from.handle(), to.handle(), fromOffset, toOffset, bytes, 0, null,
        null), "clEnqueueCopyBuffer(" + bytes + " bytes)");
  }

  /** Waits until every command enqueued so far has finished. */
  public synchronized void finish() {
    ensureOpen();
    ClErrors.check(CL.clFinish(queue), "clFinish on opencl:" + device.index());
  }

  synchronized void release(cl_mem mem) {
    if (state == State.OPEN) {
      CL.clReleaseMemObject(mem);
    }
  }

  private void ensureOpen() {
    if (state != State.OPEN) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.INVALID_ARGUMENT, "OpenCL context of opencl:"
          + device.index() + " is used after close()");
    }
  }

  @Override
  public synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    CL.clFinish(queue);
    programs.values().forEach(ClProgram::close);
    programs.clear();
    state = State.CLOSED;
    CL.clReleaseCommandQueue(queue);
    CL.clReleaseContext(context);
  }
}

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
  public synchronized long launch(ClKernel kernel, long[] global, long[] local, boolean profile, Object... args) {
    ensureOpen();
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

package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;

/**
 * One kernel of a program; owned by its {@link ClProgram} and released with it. Launch it through
 * {@link ClContext#launch}, which sets its arguments under the context's lock.
 */
public final class ClKernel implements AutoCloseable {
  private final String name;
  private final cl_kernel kernel;
  private boolean closed;

  ClKernel(String name, cl_kernel kernel) {
    this.name = name;
    this.kernel = kernel;
  }

  public String name() {
    return name;
  }

  cl_kernel handle() {
    if (closed) {
      throw EdgewiseException.invalidArgument("OpenCL kernel " + name + " is used after close()");
    }
    return kernel;
  }

  /** The largest work-group this kernel can launch with on the device (may be below the device's maximum). */
  public long maxWorkGroupSize(ClDevice device) {
    long[] v = new long[1];
    ClErrors.check(CL.clGetKernelWorkGroupInfo(kernel, device.id(), CL.CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t,
        Pointer.to(v), null), "clGetKernelWorkGroupInfo(" + name + ")");
    return v[0];
  }

  void setArg(int index, Object arg) {
    int status;
    if (arg instanceof ClBuffer b) {
      status = CL.clSetKernelArg(kernel, index, Sizeof.cl_mem, Pointer.to(b.handle()));
    } else if (arg instanceof Integer i) {
      status = CL.clSetKernelArg(kernel, index, Sizeof.cl_int, Pointer.to(new int[] {i}));
    } else if (arg instanceof Long l) {
      status = CL.clSetKernelArg(kernel, index, Sizeof.cl_long, Pointer.to(new long[] {l}));
    } else if (arg instanceof Float f) {
      status = CL.clSetKernelArg(kernel, index, Sizeof.cl_float, Pointer.to(new float[] {f}));
    } else if (arg instanceof ClLocal local) {
      status = CL.clSetKernelArg(kernel, index, local.bytes(), null);
    } else {
      throw new EdgewiseException(EdgewiseException.ErrorCode.INTERNAL, "kernel " + name + " argument " + index
          + " has unsupported type " + (arg == null ? "null" : arg.getClass().getSimpleName()));
    }
    ClErrors.check(status, "clSetKernelArg(" + name + ", " + index + ")");
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      CL.clReleaseKernel(kernel);
    }
  }
}

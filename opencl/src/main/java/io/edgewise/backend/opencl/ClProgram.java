package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

/**
 * A built OpenCL program for one device, from source or from a binary (a cached build, or an FPGA image). It
 * owns its kernel objects; close() releases them and the program.
 */
public final class ClProgram implements AutoCloseable {
  private final ClContext context;
  private final cl_program program;
  private final Map<String, ClKernel> kernels = new HashMap<>();
  private boolean closed;

  private ClProgram(ClContext context, cl_program program) {
    this.context = context;
    this.program = program;
  }

  /** Compiles {@code source} with the build options (e.g. "-DTILE_W=8 -cl-fast-relaxed-math"). */
  public static ClProgram fromSource(ClContext ctx, String source, String options) {
    int[] err = new int[1];
    cl_program p = CL.clCreateProgramWithSource(ctx.handle(), 1, new String[] {source}, null, err);
    ClErrors.check(err[0], "clCreateProgramWithSource");
    return build(ctx, p, options, "source");
  }

  /** Loads a program binary (as returned by {@link #binary()}, or a vendor's offline-compiled image). */
  public static ClProgram fromBinary(ClContext ctx, byte[] binary, String options) {
    int[] err = new int[1];
    int[] status = new int[1];
    cl_program p = CL.clCreateProgramWithBinary(ctx.handle(), 1, new cl_device_id[] {ctx.device().id()},
        new long[] {binary.length}, new byte[][] {binary}, status, err);
    if (err[0] == CL.CL_SUCCESS && status[0] != CL.CL_SUCCESS) {
      CL.clReleaseProgram(p);
      err[0] = status[0];
    }
    ClErrors.check(err[0], "clCreateProgramWithBinary(" + binary.length + " bytes)");
    return build(ctx, p, options, "binary");
  }

  /**
   * One build at a time in this process (first added for the two-device check: the failures it saw, "unable to
   * rename temporary ...preproc.cl", turned out to be LLVM signal handlers, cured by libjsig: SignalChaining).
   * Kept: LLVM-based compilers are not all thread-safe, and builds are CPU-bound anyway.
   */
  private static final Object BUILD_LOCK = new Object();

  private static ClProgram build(ClContext ctx, cl_program p, String options, String from) {
    int status;
    synchronized (BUILD_LOCK) {
      status = CL.clBuildProgram(p, 1, new cl_device_id[] {ctx.device().id()}, options, null, null);
    }
    if (status != CL.CL_SUCCESS) {
      String log = buildLog(ctx, p);
      CL.clReleaseProgram(p);
      throw new EdgewiseException(EdgewiseException.ErrorCode.DEVICE, "OpenCL clBuildProgram (from " + from
          + ", options '" + options + "') failed on opencl:" + ctx.device().index() + ": " + ClErrors.name(status)
          + "\n" + log);
    }
    return new ClProgram(ctx, p);
  }

  private static String buildLog(ClContext ctx, cl_program p) {
    long[] size = new long[1];
    if (CL.clGetProgramBuildInfo(p, ctx.device().id(), CL.CL_PROGRAM_BUILD_LOG, 0, null, size) != CL.CL_SUCCESS) {
      return "(no build log)";
    }
    byte[] bytes = new byte[(int) size[0]];
    CL.clGetProgramBuildInfo(p, ctx.device().id(), CL.CL_PROGRAM_BUILD_LOG, bytes.length, Pointer.to(bytes), null);
    return new String(bytes, StandardCharsets.UTF_8).replace("\0", "").trim();
  }

  /** The device binary of this program, for the on-disk cache. */
  public byte[] binary() {
    long[] size = new long[1];
    ClErrors.check(CL.clGetProgramInfo(handle(), CL.CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null),
        "clGetProgramInfo(CL_PROGRAM_BINARY_SIZES)");
    byte[] binary = new byte[(int) size[0]];
    Pointer[] pointers = {Pointer.to(binary)};
    ClErrors.check(CL.clGetProgramInfo(program, CL.CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(pointers), null),
        "clGetProgramInfo(CL_PROGRAM_BINARIES)");
    return binary;
  }

  /** The named kernel, created once and owned by this program. */
  public synchronized ClKernel kernel(String name) {
    ClKernel k = kernels.get(name);
    if (k == null) {
      int[] err = new int[1];
      cl_kernel handle = CL.clCreateKernel(handle(), name, err);
      ClErrors.check(err[0], "clCreateKernel(" + name + ")");
      k = new ClKernel(name, handle);
      kernels.put(name, k);
    }
    return k;
  }

  public ClContext context() {
    return context;
  }

  private cl_program handle() {
    if (closed) {
      throw EdgewiseException.invalidArgument("OpenCL program is used after close()");
    }
    return program;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      kernels.values().forEach(ClKernel::close);
      kernels.clear();
      CL.clReleaseProgram(program);
    }
  }
}

package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_mem;

/**
 * A device buffer owned by this object and released by close(). A buffer made by {@link #wrap} uses the host
 * memory it wraps (CL_MEM_USE_HOST_PTR, zero-copy on devices with host-unified memory) and keeps a reference to
 * that memory's ByteBuffer, so the caller must keep the memory itself alive (e.g. not close the tensor) until the
 * buffer is closed. {@link #liveCount()} lets tests check that nothing leaks.
 */
public final class ClBuffer implements AutoCloseable {
  private static final AtomicLong LIVE = new AtomicLong();

  private final ClContext context;
  private final cl_mem mem;
  private final long bytes;
  private final ByteBuffer host;  // the wrapped host memory, kept reachable; null for device memory
  private boolean closed;
  private boolean pooled;  // released to a ClBufferPool and not taken again: a launch must not use it

  private ClBuffer(ClContext context, cl_mem mem, long bytes, ByteBuffer host) {
    this.context = context;
    this.mem = mem;
    this.bytes = bytes;
    this.host = host;
    LIVE.incrementAndGet();
  }

  /** Device memory of {@code bytes} (at least 1: OpenCL refuses empty buffers). */
  public static ClBuffer allocate(ClContext ctx, long bytes) {
    int[] err = new int[1];
    cl_mem m = CL.clCreateBuffer(ctx.handle(), CL.CL_MEM_READ_WRITE, Math.max(1, bytes), null, err);
    ClErrors.check(err[0], "clCreateBuffer(" + bytes + " bytes) on opencl:" + ctx.device().index());
    return new ClBuffer(ctx, m, bytes, null);
  }

  /** A buffer over the given direct host memory (zero-copy where the device shares host memory). */
  public static ClBuffer wrap(ClContext ctx, ByteBuffer direct) {
    if (!direct.isDirect() || direct.capacity() == 0) {
      throw EdgewiseException.invalidArgument("ClBuffer.wrap needs a non-empty direct buffer");
    }
    int[] err = new int[1];
    cl_mem m = CL.clCreateBuffer(ctx.handle(), CL.CL_MEM_READ_WRITE | CL.CL_MEM_USE_HOST_PTR, direct.capacity(),
        Pointer.to(direct), err);
    ClErrors.check(err[0], "clCreateBuffer(USE_HOST_PTR, " + direct.capacity() + " bytes) on opencl:"
        + ctx.device().index());
    return new ClBuffer(ctx, m, direct.capacity(), direct);
  }

  public long bytes() {
    return bytes;
  }

  /** True when this buffer uses host memory in place. */
  public boolean wrapsHost() {
    return host != null;
  }

  public boolean isClosed() {
    return closed;
  }

  /** True while the buffer sits in a {@link ClBufferPool}'s free list (released, not taken again). */
  public boolean isPooled() {
    return pooled;
  }

  void pooled(boolean p) {
    pooled = p;
  }

  cl_mem handle() {
    if (closed) {
      throw EdgewiseException.invalidArgument("OpenCL buffer of " + bytes + " bytes is used after close()");
    }
    return mem;
  }

  /** Blocking copy of {@code src}'s remaining bytes to the start of this buffer. */
  public void write(ByteBuffer src) {
    checkSize(src.remaining(), "write");
    if (src.remaining() == 0) {
      return;
    }
    ClErrors.check(CL.clEnqueueWriteBuffer(context.queue(), handle(), CL.CL_TRUE, 0, src.remaining(),
        Pointer.toBuffer(src), 0, null, null), "clEnqueueWriteBuffer(" + src.remaining() + " bytes)");
  }

  /** Blocking copy of the start of this buffer into {@code dst}'s remaining bytes. */
  public void read(ByteBuffer dst) {
    checkSize(dst.remaining(), "read");
    if (dst.remaining() == 0) {
      return;
    }
    ClErrors.check(CL.clEnqueueReadBuffer(context.queue(), handle(), CL.CL_TRUE, 0, dst.remaining(),
        Pointer.toBuffer(dst), 0, null, null), "clEnqueueReadBuffer(" + dst.remaining() + " bytes)");
  }

  /**
   * For a wrapped buffer: makes the device's writes visible in the host memory (map for reading, then unmap),
   * which on host-unified devices copies nothing. Waits for the queue.
   */
  public void syncToHost() {
    if (host == null) {
      throw EdgewiseException.invalidArgument("syncToHost is for buffers that wrap host memory");
    }
    int[] err = new int[1];
    ByteBuffer mapped = CL.clEnqueueMapBuffer(context.queue(), handle(), CL.CL_TRUE, CL.CL_MAP_READ, 0, bytes, 0,
        null, null, err);
    ClErrors.check(err[0], "clEnqueueMapBuffer(" + bytes + " bytes)");
    ClErrors.check(CL.clEnqueueUnmapMemObject(context.queue(), mem, mapped, 0, null, null),
        "clEnqueueUnmapMemObject");
    ClErrors.check(CL.clFinish(context.queue()), "clFinish");
  }

  private void checkSize(long n, String what) {
    if (n > bytes) {
      throw EdgewiseException.invalidArgument("ClBuffer." + what + " of " + n + " bytes into a buffer of " + bytes);
    }
  }

  /** OpenCL buffers created and not yet closed in this process. */
  public static long liveCount() {
    return LIVE.get();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      LIVE.decrementAndGet();
      context.release(mem);
    }
  }
}

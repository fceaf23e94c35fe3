package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;

/**
 * Blocking copies between Java float arrays and device buffers, straight from and into the array (no direct-buffer
 * staging copy): for callers whose data lives on the Java heap, such as the trainer.
 */
public final class ClArrays {
  private ClArrays() {}

  /** Copies the first {@code length} values of {@code src} to the start of {@code dst}. */
  public static void write(ClContext ctx, ClBuffer dst, float[] src, int length) {
    check(dst, src, length, "write");
    if (length > 0) {
      ClErrors.check(CL.clEnqueueWriteBuffer(ctx.queue(), dst.handle(), CL.CL_TRUE, 0, (long) length * Sizeof.cl_float,
          Pointer.to(src), 0, null, null), "clEnqueueWriteBuffer(" + length + " floats)");
    }
  }

  /** Copies the first {@code length} values of {@code src} into the start of {@code dst}, after every enqueued kernel. */
  public static void read(ClContext ctx, ClBuffer src, float[] dst, int length) {
    check(src, dst, length, "read");
    if (length > 0) {
      ClErrors.check(CL.clEnqueueReadBuffer(ctx.queue(), src.handle(), CL.CL_TRUE, 0, (long) length * Sizeof.cl_float,
          Pointer.to(dst), 0, null, null), "clEnqueueReadBuffer(" + length + " floats)");
    }
  }

  private static void check(ClBuffer buffer, float[] array, int length, String what) {
    if (length < 0 || length > array.length || (long) length * Sizeof.cl_float > buffer.bytes()) {
      throw EdgewiseException.invalidArgument("ClArrays." + what + " of " + length + " floats between an array of "
          + array.length + " and a buffer of " + buffer.bytes() + " bytes");
    }
  }
}

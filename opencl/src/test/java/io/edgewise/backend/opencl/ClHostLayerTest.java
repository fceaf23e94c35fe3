package io.edgewise.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JOCL host layer on a real OpenCL device (PoCL here): discovery, programs, the binary cache, buffers. */
class ClHostLayerTest {
  private static final String AXPY = """
      __kernel void axpy(__global const float* x, __global float* y, float a, int n) {
        int i = get_global_id(0);
        if (i < n) y[i] = a * x[i] + y[i] + OFFSET;
      }
      """;

  @TempDir
  Path cacheDir;

  @Test
  void discoveryReportsDeviceProperties() {
    ClDevice d = ClTestDevices.first();
    assertEquals(0, d.index());
    assertTrue(d.computeUnits() > 0, "compute units");
    assertTrue(d.maxWorkGroupSize() > 0, "max work-group size");
    assertTrue(d.localMemoryBytes() > 0, "local memory");
    assertFalse(d.name().isEmpty());
    assertFalse(d.driverVersion().isEmpty());
    assertEquals(d.extensions().contains("cl_khr_fp16"), d.fp16Arithmetic());
    assertTrue(d.describe().contains(d.name()));
  }

  @Test
  void runsAKernelAndCachesItsBinary() {
    ClDevice d = ClTestDevices.first();
    ClProgramCache cache = new ClProgramCache(cacheDir);
    long buffersBefore = ClBuffer.liveCount();
    int compiles = ClProgramCache.compiles();
    try (ClContext ctx = ClContext.create(d)) {
      ClProgram p = ctx.program(AXPY, "-DOFFSET=0.5f", cache);
      assertEquals(compiles + 1, ClProgramCache.compiles(), "first build compiles");
      assertTrue(Files.isRegularFile(cache.fileFor(d, AXPY, "-DOFFSET=0.5f")), "binary stored");
      assertArrayEquals(new float[] {2.5f, 4.5f, 6.5f}, axpy(ctx, p, new float[] {1, 2, 3}, new float[] {0, 0, 0}));
      assertTrue(ctx.program(AXPY, "-DOFFSET=0.5f", cache) == p, "one program per context and key");
    }
    int loads = ClProgramCache.binaryLoads();
    try (ClContext ctx = ClContext.create(d)) {
      ClProgram p = ctx.program(AXPY, "-DOFFSET=0.5f", cache);
      assertEquals(compiles + 1, ClProgramCache.compiles(), "a second start compiles nothing");
      assertEquals(loads + 1, ClProgramCache.binaryLoads());
      assertArrayEquals(new float[] {2.5f, 4.5f, 6.5f}, axpy(ctx, p, new float[] {1, 2, 3}, new float[] {0, 0, 0}));
      // other macros are another program
      ctx.program(AXPY, "-DOFFSET=1.0f", cache);
      assertEquals(compiles + 2, ClProgramCache.compiles());
    }
    assertEquals(buffersBefore, ClBuffer.liveCount(), "every buffer released");
  }

  @Test
  void corruptCachedBinaryIsRebuilt() throws Exception {
    ClDevice d = ClTestDevices.first();
    ClProgramCache cache = new ClProgramCache(cacheDir);
    Files.createDirectories(cacheDir);
    Files.write(cache.fileFor(d, AXPY, "-DOFFSET=2.0f"), new byte[] {1, 2, 3, 4});
    int compiles = ClProgramCache.compiles();
    try (ClContext ctx = ClContext.create(d)) {
      ClProgram p = ctx.program(AXPY, "-DOFFSET=2.0f", cache);
      assertEquals(compiles + 1, ClProgramCache.compiles());
      assertArrayEquals(new float[] {4f}, axpy(ctx, p, new float[] {1}, new float[] {0}));
    }
  }

  @Test
  void buildErrorsCarryTheLog() {
    ClDevice d = ClTestDevices.first();
    try (ClContext ctx = ClContext.create(d)) {
      EdgewiseException e = assertThrows(EdgewiseException.class,
          () -> ClProgram.fromSource(ctx, "__kernel void broken(__global float* x) { x[0] = undefined_name; }", ""));
      assertEquals(EdgewiseException.ErrorCode.DEVICE, e.code());
      assertTrue(e.getMessage().contains("undefined_name"), e.getMessage());
    }
  }

  @Test
  void zeroCopyBufferSeesDeviceWrites() {
    ClDevice d = ClTestDevices.first();
    try (ClContext ctx = ClContext.create(d)) {
      ClProgram p = ClProgram.fromSource(ctx, AXPY, "-DOFFSET=0.0f");
      ByteBuffer x = floats(4, 5);
      ByteBuffer y = floats(1, 1);
      try (p; ClBuffer bx = ClBuffer.wrap(ctx, x); ClBuffer by = ClBuffer.wrap(ctx, y)) {
        assertTrue(by.wrapsHost());
        long ns = ctx.launch(p.kernel("axpy"), new long[] {2}, null, true, bx, by, 2f, 2);
        assertTrue(ns >= 0, "profiled time");
        by.syncToHost();
        assertEquals(9f, y.getFloat(0));
        assertEquals(11f, y.getFloat(4));
      }
    }
  }

  @Test
  void misuseIsAClearError() {
    ClDevice d = ClTestDevices.first();
    ClContext ctx = ClContext.create(d);
    ClBuffer b = ClBuffer.allocate(ctx, 8);
    assertThrows(EdgewiseException.class, () -> b.write(floats(1, 2, 3)), "write past the end");
    b.close();
    assertThrows(EdgewiseException.class, () -> b.read(floats(0)), "use after close");
    ctx.close();
    assertThrows(EdgewiseException.class, () -> ClBuffer.allocate(ctx, 8));
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> ClPlatforms.device(999));
    assertEquals(EdgewiseException.ErrorCode.NOT_FOUND, e.code());
  }

  private static float[] axpy(ClContext ctx, ClProgram p, float[] x, float[] y) {
    try (ClBuffer bx = ClBuffer.allocate(ctx, 4L * x.length); ClBuffer by = ClBuffer.allocate(ctx, 4L * y.length)) {
      bx.write(floats(x));
      by.write(floats(y));
      ctx.launch(p.kernel("axpy"), new long[] {x.length}, null, false, bx, by, 2f, x.length);
      ByteBuffer out = ByteBuffer.allocateDirect(4 * y.length).order(ByteOrder.nativeOrder());
      by.read(out);
      float[] r = new float[y.length];
      out.asFloatBuffer().get(r);
      return r;
    }
  }

  private static ByteBuffer floats(float... v) {
    ByteBuffer b = ByteBuffer.allocateDirect(4 * v.length).order(ByteOrder.nativeOrder());
    b.asFloatBuffer().put(v);
    return b;
  }
}

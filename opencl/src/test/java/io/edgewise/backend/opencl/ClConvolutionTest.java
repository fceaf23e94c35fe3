package io.edgewise.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The convolution kernels (direct, 1x1 GEMM, depthwise) against the textbook loop nest, over shapes chosen to hit
 * partial tiles, strides, pads, dilations, groups and every tile variant, including local-memory staging and
 * fp16 weights. One context for the class: the programs are built once.
 */
class ClConvolutionTest {
  private static ClContext ctx;
  private static ClPrograms programs;

  @BeforeAll
  static void open() {
    ctx = ClContext.create(ClTestDevices.first());
    programs = new ClPrograms(ctx, ClProgramCache.defaultCache());
  }

  @AfterAll
  static void close() {
    if (ctx != null) {
      ctx.close();
    }
  }

  // Most cases use the device's default tiles, so they share their programs with the model tests (PoCL
  // compiles are slow); the other variants get one program each.
  @Test
  void directConvolutionMatchesTheLoopNest() {
    TileParams t = TileParams.defaults(device(), ConvAlgorithm.DIRECT);
    check(ConvProblem.same(1, 3, 11, 13, 5, 3, 1, 1), ConvAlgorithm.DIRECT, t, false, true, true);
    check(new ConvProblem(1, 4, 10, 12, 6, 6, 8, 3, 3, 1, 1, 0, 0, 2, 2, 2), ConvAlgorithm.DIRECT, t, false, true,
        false);  // dilated, grouped
  }

  @Test
  void vectorConvolutionMatchesTheLoopNest() {
    ConvAlgorithm v = ConvAlgorithm.DIRECT_VEC;
    TileParams t = TileParams.defaults(device(), v);
    check(ConvProblem.same(1, 3, 11, 21, 5, 3, 1, 1), v, t, false, true, true);
    check(ConvProblem.same(2, 6, 9, 17, 10, 3, 2, 1), v, t, false, false, false);
    check(new ConvProblem(1, 4, 10, 12, 6, 6, 8, 3, 3, 1, 1, 0, 0, 2, 2, 2), v, t, false, true, false);
    check(ConvProblem.same(1, 5, 10, 10, 6, 1, 2, 1), v, t, false, true, true);  // strided 1x1
    check(ConvProblem.same(1, 5, 10, 10, 6, 3, 3, 1), v, new TileParams(3, 1, 4, false, 1), false, true, true);
    check(ConvProblem.same(1, 6, 9, 19, 4, 3, 1, 1), v, t, true, true, false);  // fp16 weights
    ConvProblem pointwise = ConvProblem.same(2, 12, 7, 9, 10, 1, 1, 1);  // runs as one 63-pixel row
    check(pointwise, v, TileParams.defaults(device(), v, pointwise), false, true, true);
    ConvProblem dw = ConvProblem.same(1, 6, 13, 21, 6, 3, 2, 6);
    check(dw, v, TileParams.defaults(device(), v, dw), false, true, true);
  }

  @Test
  void flatVectorConvolutionSkipsThePaddingColumns() {
    ConvAlgorithm v = ConvAlgorithm.DIRECT_VEC;
    // stride 1: rows of 5 + 2 padding columns laid end to end; vectors of 4 cross row ends, the last tile runs past
    // the last row into the slack; two images, two groups, residual
    ConvProblem p = ConvProblem.same(2, 4, 7, 5, 6, 3, 1, 2);
    assertTrue(ClConvolution.isFlat(v, p));
    assertTrue(!ClConvolution.isFlat(v, ConvProblem.same(2, 4, 7, 5, 6, 3, 2, 1)));
    check(p, v, new TileParams(3, 2, 4, true, 1), false, true, true);
    // 16-wide vectors, dilation 2, fp16 weights
    check(new ConvProblem(1, 3, 9, 11, 5, 5, 7, 3, 3, 1, 1, 0, 0, 2, 2, 1), v, new TileParams(2, 3, 16, true, 1),
        true, true, false);
  }

  @Test
  void channelVectorConvolutionMatchesTheLoopNest() {
    ConvAlgorithm v = ConvAlgorithm.CHANNEL_VEC;
    // 5 output channels in blocks of 2x4 (zeros past K), 13 columns in tiles of 3 (the last one clamped)
    check(ConvProblem.same(1, 3, 11, 13, 5, 3, 1, 1), v, new TileParams(2, 3, 4, true, 1), false, true, true);
    // stride 2 with fp16 weights, driver-chosen groups
    check(ConvProblem.same(2, 6, 9, 17, 10, 3, 2, 1), v, new TileParams(1, 4, 8, false, 1), true, true, false);
    // unpadded 1x1 stride 2: read in place, no padded copy
    ConvProblem pointwise = ConvProblem.same(1, 5, 10, 10, 6, 1, 2, 1);
    assertTrue(!ClConvolution.needsPadding(pointwise));
    check(pointwise, v, new TileParams(1, 2, 4, true, 1), false, true, true);
    // dilated and unpadded, but the taps fit: no copy either
    check(new ConvProblem(1, 4, 10, 12, 6, 6, 8, 3, 3, 1, 1, 0, 0, 2, 2, 1), v, new TileParams(2, 4, 4, true, 1),
        false, false, false);
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> ClConvolution.create(programs,
        ConvProblem.same(1, 4, 5, 5, 4, 3, 1, 2), v, new TileParams(1, 2, 4, true, 1), new float[72], null, false));
    assertTrue(e.getMessage().contains("2 groups"), e.getMessage());
  }

  @Test
  void localMemoryStaging() {
    check(ConvProblem.same(1, 7, 10, 10, 9, 3, 1, 1), ConvAlgorithm.DIRECT, new TileParams(4, 2, 8, true, 3), false,
        true, true);
    check(ConvProblem.same(1, 7, 10, 10, 9, 1, 1, 1), ConvAlgorithm.GEMM, new TileParams(4, 2, 8, true, 5), false,
        true, true);
  }

  @Test
  void depthwiseMatchesTheLoopNest() {
    // gemm.cl is covered by localMemoryStaging and, without local memory, by the Gemm node tests on the device
    ConvProblem dw = ConvProblem.same(2, 6, 13, 11, 6, 3, 2, 6);
    assertEquals(ConvAlgorithm.DEPTHWISE, dw.algorithm());
    assertEquals(ConvAlgorithm.GEMM, ConvProblem.same(2, 12, 7, 9, 10, 1, 1, 1).algorithm());
    check(dw, ConvAlgorithm.DEPTHWISE, TileParams.defaults(device(), ConvAlgorithm.DEPTHWISE), false, true, true);
  }

  private static ClDevice device() {
    return ctx.device();
  }

  private static void check(ConvProblem p, ConvAlgorithm alg, TileParams t, boolean half, boolean bias,
      boolean residual) {
    Random r = new Random(p.hashCode());
    float[] x = random(r, (int) p.inputElements());
    float[] w = random(r, (int) p.weightElements());
    if (half) {
      for (int i = 0; i < w.length; i++) {
        w[i] = io.edgewise.tensor.Float16.toFloat(io.edgewise.tensor.Float16.fromFloat(w[i]));  // exact in fp16
      }
    }
    float[] b = bias ? random(r, p.k()) : null;
    float[] res = residual ? random(r, (int) p.outputElements()) : null;
    float[] expected = NaiveConv.run(p, x, w, b, res, true);
    try (ClConvolution conv = ClConvolution.create(programs, p, alg, t, w, b, half);
         ClBuffer bx = upload(x); ClBuffer bres = res == null ? null : upload(res);
         ClBuffer by = ClBuffer.allocate(ctx, 4 * p.outputElements())) {
      conv.enqueue(bx, bres, by, 1, 0, 0, false);
      ByteBuffer out = ByteBuffer.allocateDirect((int) by.bytes()).order(ByteOrder.nativeOrder());
      by.read(out);
      for (int i = 0; i < expected.length; i++) {
        float got = out.getFloat(4 * i);
        assertTrue(Math.abs(got - expected[i]) <= 1e-4 * (1 + Math.abs(expected[i])), p + " " + alg + " " + t + " at " + i
            + ": " + got + " vs " + expected[i]);
      }
    }
  }

  static ClBuffer upload(float[] v) {
    ByteBuffer b = ByteBuffer.allocateDirect(4 * v.length).order(ByteOrder.nativeOrder());
    b.asFloatBuffer().put(v);
    ClBuffer buf = ClBuffer.allocate(ctx, 4L * v.length);
    buf.write(b);
    return buf;
  }

  static float[] random(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

}

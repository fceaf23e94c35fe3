package io.edgewise.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.backend.opencl.ClBuffer;
import io.edgewise.backend.opencl.ClPlatforms;
import io.edgewise.backend.opencl.ClProgramCache;
import io.edgewise.backend.opencl.ClTrainTiles;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The opencl device's training kernels (kernels/train.cl on PoCL here) against the ref oracle: each of the four
 * kernels on odd shapes (strides, asymmetric pads, dilation, groups, depthwise, 1x1, batches, partial tiles), every
 * value within 1e-4 of the largest magnitude of that result (float32 sums in another order against double sums,
 * as for cpu), for the device's default GEMM (explicit vectors on a CPU device) and for the other variant, then the
 * digits protocol-B fine-tune. One device and one compiled program per tile choice for the whole class (PoCL
 * compiles are slow). Skipped, saying why, where there is no OpenCL device.
 */
class OpenClTrainingTest {
  static final double TOLERANCE = CpuMatchesReferenceTest.TOLERANCE;

  private static OpenClTrainingKernels cl;
  private static final ReferenceTrainingKernels REF = new ReferenceTrainingKernels();

  @BeforeAll
  static void open() {
    Assumptions.assumeFalse(ClPlatforms.devices().isEmpty(), () -> "no OpenCL device: "
        + ClPlatforms.unavailableReason());
    cl = new OpenClTrainingKernels("opencl:0", null, ClProgramCache.defaultCache(), true);
  }

  @AfterAll
  static void close() {
    if (cl != null) {
      long live = ClBuffer.liveCount();
      cl.close();
      assertTrue(ClBuffer.liveCount() < live, "close() released the scratch buffers");
    }
  }

  /** Geometry: n, c, h, w, m, kh, kw, stride h/w, dilation h/w, pad top/left/bottom/right, group. */
  private static long[] geometry(int n, int c, int h, int w, int m, int kh, int kw, int sh, int sw, int dh, int dw,
      int pt, int pl, int pb, int pr, int group) {
    long oh = (h + pt + pb - (long) dh * (kh - 1) - 1) / sh + 1;
    long ow = (w + pl + pr - (long) dw * (kw - 1) - 1) / sw + 1;
    return new long[] {n, c, h, w, m, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, group};
  }

  static long[][] shapes() {
    return new long[][] {
        geometry(2, 3, 11, 13, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),      // same padding, partial tiles
        geometry(3, 6, 9, 17, 10, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1),      // stride 2, odd sizes
        geometry(1, 4, 10, 12, 6, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 2),      // dilated and grouped
        geometry(2, 12, 9, 9, 12, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 12),     // depthwise, dilated
        geometry(2, 8, 13, 11, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 8),     // depthwise multiplier 2, stride 2
        geometry(4, 32, 7, 7, 40, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1),      // 1x1
        geometry(2, 5, 9, 9, 7, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1),        // strided 1x1
        geometry(1, 3, 12, 10, 4, 2, 5, 3, 2, 1, 2, 0, 2, 1, 1, 1),      // non-square, asymmetric pads, mixed
        geometry(2, 1, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),       // the digit CNN's conv1 (C = 1)
        geometry(1, 16, 8, 8, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1)};     // and its conv2
  }

  @Test
  void convolutionPassesAgreeWithRef() {
    checkConvolutions(cl);
    assertTrue(cl.deviceNanos() > 0, "the passes ran as OpenCL kernels");
  }

  @Test
  void productsAgreeWithRef() {
    checkProducts(cl);
  }

  /** The other GEMM kernel (GPUs' interleaved scalar tiles), with local-memory staging and tiles that divide nothing. */
  @Test
  void interleavedKernelWithLocalStagingAgreesWithRef() {
    ClTrainTiles odd = new ClTrainTiles(3, 2, 0, 8, true, 5);
    try (OpenClTrainingKernels k = new OpenClTrainingKernels("opencl:0", odd, ClProgramCache.defaultCache(), false)) {
      checkConvolutions(k);
      checkProducts(k);
    }
  }

  private static void checkConvolutions(TrainingKernels dev) {
    Random random = new Random(11);
    for (long[] g : shapes()) {
      String what = Arrays.toString(g);
      int xs = (int) (g[0] * g[1] * g[2] * g[3]);
      int ys = (int) (g[0] * g[4] * g[5] * g[6]);
      int ws = (int) (g[4] * (g[1] / g[15]) * g[7] * g[8]);
      float[] x = uniform(random, xs);
      float[] w = uniform(random, ws);
      float[] bias = uniform(random, (int) g[4]);
      float[] dy = uniform(random, ys);
      for (float[] b : new float[][] {bias, null}) {
        float[] yRef = new float[ys];
        float[] yCl = garbage(ys);
        REF.convForward(g, x, w, b, yRef);
        dev.convForward(g, x, w, b, yCl);
        assertClose(what + " forward" + (b == null ? " without bias" : ""), yRef, yCl);
      }
      float[] dxRef = new float[xs];
      float[] dxCl = garbage(xs);
      REF.convBackwardData(g, dy, w, dxRef);
      dev.convBackwardData(g, dy, w, dxCl);
      assertClose(what + " input gradient", dxRef, dxCl);
      float[] dwRef = new float[ws];
      float[] dwCl = garbage(ws);
      REF.convBackwardWeights(g, x, dy, dwRef);
      dev.convBackwardWeights(g, x, dy, dwCl);
      assertClose(what + " weight gradient", dwRef, dwCl);
    }
  }

  private static void checkProducts(TrainingKernels dev) {
    Random random = new Random(12);
    int[][] sizes = {{9, 17, 130}, {70, 9, 33}, {1, 10, 512}, {32, 512, 10}, {37, 1, 5}, {3, 65, 1}};
    for (int[] s : sizes) {
      int m = s[0];
      int n = s[1];
      int k = s[2];
      for (int t = 0; t < 8; t++) {
        boolean ta = (t & 1) != 0;
        boolean tb = (t & 2) != 0;
        boolean acc = (t & 4) != 0;
        float[] a = uniform(random, m * k);
        float[] b = uniform(random, k * n);
        float[] c0 = uniform(random, m * n);
        float[] cRef = c0.clone();
        float[] cCl = acc ? c0.clone() : garbage(m * n);
        REF.gemm(ta, tb, m, n, k, a, b, cRef, acc);
        dev.gemm(ta, tb, m, n, k, a, b, cCl, acc);
        assertClose("gemm " + m + "x" + n + "x" + k + (ta ? " A^T" : "") + (tb ? " B^T" : "") + (acc ? " +C" : ""),
            cRef, cCl);
      }
    }
  }

  @Test
  void gradientsThroughTheTrainGraphAgreeWithRef() {
    for (GradCheck c : CpuMatchesReferenceTest.cases()) {
      TrainGraph ref = c.build(REF);
      TrainGraph dev = c.build(cl);
      HeapTensor y = c.forward(ref);
      CpuMatchesReferenceTest.assertClose(c + " forward on opencl", y, c.forward(dev));
      HeapTensor seed = c.random(-1, 1, y.shape());
      Map<String, HeapTensor> gRef = c.gradients(ref, seed);
      Map<String, HeapTensor> gDev = c.gradients(dev, seed);
      assertEquals(gRef.keySet(), gDev.keySet(), c.toString());
      for (String name : gRef.keySet()) {
        CpuMatchesReferenceTest.assertClose(c + " d/d" + name + " on opencl", gRef.get(name), gDev.get(name));
      }
    }
  }

  @Test
  void digitsProtocolBTrainsEveryLayerOnOpenClAsOnCpu() {
    DataSplit data = DataSplit.load(TestData.root().resolve("digits"), null, DataSplit.Protocol.B, 10);
    String[] devices = {"cpu", "opencl:0"};
    float[][] tuned = new float[2][];
    double[] accuracy = new double[2];
    for (int d = 0; d < 2; d++) {
      try (Model m = OnnxImporter.load(TestData.model("digits_cnn_0to4").resolve("model.onnx"))) {
        FineTuneConfig cfg = FineTuneConfig.defaults(devices[d], 15, 0.05).withReplaceHead(10);
        FineTuner.Result r = DigitsFineTuneTest.tune(m, cfg, null, data);
        assertTrue(r.trainedParameters().contains("conv1.weight"), "every layer trains");
        assertEquals(devices[d], r.device());
        accuracy[d] = r.testAccuracy();
        tuned[d] = m.graph().initializers().get("conv1.weight").toFloatArray();
      }
    }
    assertTrue(accuracy[1] >= 0.80, "protocol B test accuracy on opencl " + accuracy[1] + " < 0.80");
    // the same seed and data: the two devices differ only by float32 rounding, so the runs must stay together
    assertEquals(accuracy[0], accuracy[1], 0.02, "test accuracy on cpu and opencl");
    CpuMatchesReferenceTest.assertClose("conv1.weight after 15 epochs, opencl against cpu",
        new HeapTensor(tuned[0], new int[] {tuned[0].length}), new HeapTensor(tuned[1], new int[] {tuned[1].length}));
  }

  @Test
  void aDeviceThatDoesNotExistIsRefusedByName() {
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> TrainingKernels.forDevice("opencl:99"));
    assertEquals(EdgewiseException.ErrorCode.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("opencl:99"), e.getMessage());
    e = assertThrows(EdgewiseException.class, () -> TrainingKernels.forDevice("opencl:x"));
    assertEquals(EdgewiseException.ErrorCode.INVALID_ARGUMENT, e.code());
  }

  private static float[] uniform(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = random.nextFloat() * 2 - 1;
    }
    return v;
  }

  /** An output array full of NaN: the result must come from the device alone, none of the caller's array in it. */
  private static float[] garbage(int n) {
    float[] v = new float[n];
    Arrays.fill(v, Float.NaN);
    return v;
  }

  static void assertClose(String what, float[] expected, float[] actual) {
    CpuMatchesReferenceTest.assertClose(what, new HeapTensor(expected, new int[] {expected.length}),
        new HeapTensor(actual, new int[] {actual.length}));
  }
}

package io.edgewise.backend.fpga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.opencl.ClBuffer;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.reference.ReferenceBackend;
import io.edgewise.model.Attribute;
import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image's kernel on the emulated fpga device, on odd shapes (channels and pixels that do not divide the 8x8
 * tiles): the forward pass against the reference backend's Conv, the input and weight gradients against central
 * finite differences of L = sum(conv(x, w) * r) computed in double.
 */
class FpgaConvTest {
  static FpgaBackend fpga;

  @BeforeAll
  static void open() {
    fpga = FpgaTestImage.open();
  }

  @AfterAll
  static void close() {
    if (fpga != null) {
      fpga.close();
    }
  }

  static Tensor random(Random rng, long... dims) {
    Tensor t = Tensor.allocate(DType.FLOAT32, Shape.of(dims));
    float[] v = new float[(int) t.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = rng.nextFloat() * 2 - 1;
    }
    t.setFloats(v);
    return t;
  }

  @Test
  void forwardMatchesTheReferenceBackendOnOddShapes() {
    // (batch, N, h, w, M, k, stride, pad): channels 3..19 across 8-wide blocks, pixels across 8x8 tiles, stride 2
    long[][] cases = {{1, 3, 9, 11, 5, 3, 1, 1}, {2, 10, 7, 13, 17, 3, 2, 1}, {1, 19, 5, 6, 9, 1, 1, 0},
        {1, 4, 12, 10, 6, 3, 2, 0}, {1, 1, 1, 1, 1, 1, 1, 0}};
    Random rng = new Random(7);
    for (long[] c : cases) {
      ConvLayer l = ConvLayer.of("odd", c[0], c[1], c[2], c[3], c[4], (int) c[5], (int) c[6], c[7]);
      try (Tensor x = random(rng, l.batch(), l.n(), l.h(), l.w()); Tensor w = random(rng, l.m(), l.n(), l.k(), l.k());
          Tensor b = random(rng, l.m());
          Tensor y = Tensor.allocate(DType.FLOAT32, Shape.of(l.batch(), l.m(), l.r(), l.c()))) {
        try (ClBuffer wb = fpga.conv().packWeights(l, ConvPass.FORWARD, w.nativeAddress(),
            FpgaConv.contiguous(l.m(), l.n(), l.k(), l.k()))) {
          fpga.conv().forward(l, x.nativeAddress(), FpgaConv.contiguous(l.batch(), l.n(), l.h(), l.w()), wb,
              b.nativeAddress(), 0, 0, 0, 0, y.nativeAddress(), FpgaConv.contiguous(l.batch(), l.m(), l.r(), l.c()));
        }
        Node node = new Node("n", "Conv", "", List.of("x", "w", "b"), List.of("y"), Map.of(
            "kernel_shape", Attribute.ofInts("kernel_shape", l.k(), l.k()),
            "strides", Attribute.ofInts("strides", l.stride(), l.stride()),
            "pads", Attribute.ofInts("pads", c[7], c[7], c[7], c[7])));
        Tensor[] ref = ReferenceBackend.registry().get("", "Conv").compute(new OpContext(node, 17,
            BackendOptions.defaults().withThreads(1)), new Tensor[] {x, w, b});
        try (Tensor r = ref[0]) {
          assertEquals(r.shape(), y.shape());
          float[] want = r.toFloatArray();
          float[] got = y.toFloatArray();
          for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-4 * (1 + Math.abs(want[i])), "case " + java.util.Arrays.toString(c)
                + " at " + i);
          }
        }
      }
    }
  }

  /** L(x, w) = sum(conv(x, w) * r) in double: the oracle for both gradients. */
  static double loss(ConvLayer l, float[] x, float[] w, float[] r) {
    double sum = 0;
    for (long b = 0; b < l.batch(); b++) {
      for (long m = 0; m < l.m(); m++) {
        for (long oy = 0; oy < l.r(); oy++) {
          for (long ox = 0; ox < l.c(); ox++) {
            double acc = 0;
            for (long n = 0; n < l.n(); n++) {
              for (int ky = 0; ky < l.k(); ky++) {
                for (int kx = 0; kx < l.k(); kx++) {
                  long iy = oy * l.stride() - l.padTop() + ky;
                  long ix = ox * l.stride() - l.padLeft() + kx;
                  if (iy >= 0 && ix >= 0 && iy < l.h() && ix < l.w()) {
                    acc += (double) w[(int) (((m * l.n() + n) * l.k() + ky) * l.k() + kx)]
                        * x[(int) (((b * l.n() + n) * l.h() + iy) * l.w() + ix)];
                  }
                }
              }
            }
            sum += acc * r[(int) (((b * l.m() + m) * l.r() + oy) * l.c() + ox)];
          }
        }
      }
    }
    return sum;
  }

  @Test
  void backwardModesMatchFiniteDifferencesOnOddShapes() {
    long[][] cases = {{1, 3, 9, 11, 5, 3, 1, 1}, {2, 5, 10, 7, 3, 3, 2, 1}, {1, 9, 6, 5, 10, 1, 2, 0}};
    Random rng = new Random(11);
    for (long[] c : cases) {
      ConvLayer l = ConvLayer.of("odd", c[0], c[1], c[2], c[3], c[4], (int) c[5], (int) c[6], c[7]);
      try (Tensor x = random(rng, l.batch(), l.n(), l.h(), l.w()); Tensor w = random(rng, l.m(), l.n(), l.k(), l.k());
          Tensor r = random(rng, l.batch(), l.m(), l.r(), l.c());
          Tensor dx = Tensor.allocate(DType.FLOAT32, x.shape()); Tensor dw = Tensor.allocate(DType.FLOAT32, w.shape())) {
        fpga.conv().inputGradient(l, r, w, dx);
        fpga.conv().weightGradient(l, x, r, dw);
        float[] xv = x.toFloatArray();
        float[] wv = w.toFloatArray();
        float[] rv = r.toFloatArray();
        float[] gx = dx.toFloatArray();
        float[] gw = dw.toFloatArray();
        double h = 1e-2;  // L is linear in each argument: central differences are exact up to rounding
        for (int i = 0; i < xv.length; i += Math.max(1, xv.length / 40)) {
          float[] p = xv.clone();
          float[] q = xv.clone();
          p[i] += (float) h;
          q[i] -= (float) h;
          double fd = (loss(l, p, wv, rv) - loss(l, q, wv, rv)) / ((double) p[i] - q[i]);
          assertEquals(fd, gx[i], 1e-3 * (1 + Math.abs(fd)), "dL/dx[" + i + "] " + java.util.Arrays.toString(c));
        }
        for (int i = 0; i < wv.length; i += Math.max(1, wv.length / 40)) {
          float[] p = wv.clone();
          float[] q = wv.clone();
          p[i] += (float) h;
          q[i] -= (float) h;
          double fd = (loss(l, xv, p, rv) - loss(l, xv, q, rv)) / ((double) p[i] - q[i]);
          assertEquals(fd, gw[i], 1e-3 * (1 + Math.abs(fd)), "dL/dw[" + i + "] " + java.util.Arrays.toString(c));
        }
      }
    }
  }

  @Test
  void aLayerTheTilesCannotRunIsRefused() {
    ConvLayer big = ConvLayer.of("stem", 1, 3, 16, 16, 8, 7, 2, 3);  // 7x7 > KMAX=3
    try (Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(1, 3, 16, 16));
        Tensor w = Tensor.allocate(DType.FLOAT32, Shape.of(8, 3, 7, 7));
        Tensor dw = Tensor.allocate(DType.FLOAT32, Shape.of(8, 3, 7, 7));
        Tensor dy = Tensor.allocate(DType.FLOAT32, Shape.of(1, 8, 8, 8))) {
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> fpga.conv().weightGradient(big, x, dy, dw));
      assertEquals(EdgewiseException.ErrorCode.NOT_IMPLEMENTED, e.code());
      assertTrue(e.getMessage().contains("KMAX=3") && e.getMessage().contains("stem"), e.getMessage());
      assertThrows(EdgewiseException.class, () -> fpga.conv().packWeights(big, ConvPass.FORWARD, w.nativeAddress(),
          FpgaConv.contiguous(8, 3, 7, 7)));
    }
  }
}

package io.edgewise.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Host memory that a device buffer wraps (zero-copy on PoCL) must outlive every kernel enqueued to read it. The
 * graph: h = Neg(x) on the host; a chain of device Adds and Muls reads h (its last reader is the last of them, so
 * the queue is still busy when h dies); then g = Abs(x) on the host allocates a tensor of h's size, which reuses h's
 * memory if h was freed at once, and overwrites it under the pending kernels. This is the PaddleOCR detector's
 * failure (host Resize / ConvTranspose outputs read by device arithmetic): wrong values that changed from run to
 * run, or a SIGSEGV inside the PoCL kernel. Checked against hand-computed values over repeated runs.
 */
class ClHostMemoryLifetimeTest {
  private static final int CHAIN = 12;
  private static final Shape SHAPE = Shape.of(1, 16, 256, 256);

  private static Model model() {
    Graph g = new Graph("host_then_device");
    List<Dim> dims = List.of(Dim.of(1), Dim.of(16), Dim.of(256), Dim.of(256));
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, dims, null));
    g.nodes().add(new Node("neg", "Neg", List.of("x"), List.of("h")));
    String prev = "h";
    for (int i = 0; i < CHAIN; i++) {
      String out = "y" + i;
      // y0 = h + h = -2x; y_i = y_{i-1} * h alternated with + h: every step reads h
      g.nodes().add(new Node("op" + i, i % 2 == 0 ? "Add" : "Mul", List.of(prev, "h"), List.of(out)));
      prev = out;
    }
    g.nodes().add(new Node("abs", "Abs", List.of("x"), List.of("g")));
    g.nodes().add(new Node("sum", "Add", List.of(prev, "g"), List.of("y")));
    g.outputs().add(new ValueInfo("y", DType.FLOAT32, dims, null));
    return new Model(g, Map.of("", 13L), 8, "test", null, null);
  }

  /** The chain in plain Java, element by element. */
  private static float expected(float x) {
    float h = -x;
    float y = h;
    for (int i = 0; i < CHAIN; i++) {
      y = i % 2 == 0 ? y + h : y * h;
    }
    return y + Math.abs(x);
  }

  @Test
  void hostMemoryWrappedByTheDeviceIsNotFreedUnderPendingKernels() {
    ClTestDevices.first();
    int n = (int) SHAPE.numElements();
    float[] xs = new float[n];
    for (int i = 0; i < n; i++) {
      xs[i] = ((i * 7919) % 2001 - 1000) / 1000f;  // in [-1, 1]: the chain stays finite
    }
    try (Session s = Session.open(model(), SessionOptions.defaults().withDevice("opencl"));
        Tensor x = Tensor.ofFloats(SHAPE, xs)) {
      List<String> wrong = new ArrayList<>();
      for (int run = 0; run < 8 && wrong.isEmpty(); run++) {
        Map<String, Tensor> out = s.run(Map.of("x", x));
        try (Tensor y = out.get("y")) {
          float[] ys = y.toFloatArray();
          int bad = 0;
          for (int i = 0; i < n; i++) {
            float e = expected(xs[i]);
            if (Math.abs(ys[i] - e) > 1e-4f * (1 + Math.abs(e))) {
              bad++;
            }
          }
          if (bad > 0) {
            wrong.add("run " + run + ": " + bad + " of " + n + " elements differ");
          }
        }
      }
      assertEquals(List.of(), wrong);
    }
  }
}

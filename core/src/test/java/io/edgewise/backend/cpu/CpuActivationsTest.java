package io.edgewise.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.NativeLeakGuard;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Standalone activations on a plain (not blocked) float32 input run on the native elementwise kernel: the same values
 * as the reference, NaN and infinities included, and (unlike the reference kernel, which copies through Java arrays)
 * a run allocates far less Java heap than the tensor's size. Other types still go to the reference kernel.
 */
@ExtendWith(NativeLeakGuard.class)
class CpuActivationsTest {
  private static final long[] DIMS = {2, 3, 40, 50};

  @Test
  void everyActivationMatchesTheReferenceIncludingSpecialValues() {
    float[] v = values();
    try (Tensor x = Tensor.ofFloats(Shape.of(DIMS), v)) {
      for (Node op : ops()) {
        int opset = op.opType().equals("Clip") && op.hasAttr("min") ? 6 : 13;
        float[] expected = run(model(op, opset, DType.FLOAT32), "ref", x);
        float[] actual = run(model(op, opset, DType.FLOAT32), "cpu", x);
        for (int i = 0; i < v.length; i++) {
          String at = op.opType() + op.attributes().values() + " of " + v[i] + " (element " + i + ")";
          if (Float.isNaN(expected[i])) {
            assertTrue(Float.isNaN(actual[i]), at + ": expected NaN, got " + actual[i]);
          } else {
            assertEquals(expected[i], actual[i], 1e-6 * Math.max(1, Math.abs(expected[i])), at);
          }
        }
      }
    }
  }

  @Test
  void aRunAllocatesLessJavaHeapThanTheTensorHolds() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    org.junit.jupiter.api.Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported()
        && threads.isThreadAllocatedMemoryEnabled(), "this JVM does not count allocated bytes per thread");
    try (Tensor x = Tensor.ofFloats(Shape.of(DIMS), values());
        Session s = Session.open(model(new Node("act", "Sigmoid", List.of("x"), List.of("y")), 13, DType.FLOAT32),
            SessionOptions.defaults().withDevice("cpu"))) {
      for (int i = 0; i < 300; i++) {
        s.run(Map.of("x", x)).values().forEach(Tensor::close);
      }
      long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
      for (int i = 0; i < 20; i++) {
        s.run(Map.of("x", x)).values().forEach(Tensor::close);
      }
      long perRun = (threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before) / 20;
      assertTrue(perRun < x.size(), perRun + " bytes of Java heap per run for " + x.size() + " floats: the "
          + "activation went through Java arrays (the reference kernel)");
    }
  }

  @Test
  void otherTypesStayOnTheReferenceKernel() {
    double[] v = {-2, -0.5, 0, 0.5, 2, Double.NaN};
    try (Tensor x = Tensor.ofDoubles(DType.FLOAT64, Shape.of(1, 1, 2, 3), v)) {
      Model m = model(new Node("act", "Relu", List.of("x"), List.of("y")), 13, DType.FLOAT64);
      try (Session s = Session.open(m, SessionOptions.defaults().withDevice("cpu"))) {
        Map<String, Tensor> out = s.run(Map.of("x", x));
        try (Tensor y = out.get("y")) {
          assertEquals(DType.FLOAT64, y.dtype());
          assertEquals(2.0, y.getDouble(4), 0);
          assertEquals(0.0, y.getDouble(0), 0);
          assertTrue(Double.isNaN(y.getDouble(5)));
        }
      }
    }
  }

  @Test
  void emptyAndScalarTensorsWork() {
    for (long[] dims : new long[][] {{0, 3}, {}}) {
      Graph g = new Graph("shapes");
      List<Dim> ds = new ArrayList<>();
      for (long d : dims) {
        ds.add(Dim.of(d));
      }
      g.inputs().add(new ValueInfo("x", DType.FLOAT32, ds, null));
      g.nodes().add(new Node("act", "Sigmoid", List.of("x"), List.of("y")));
      g.outputs().add(new ValueInfo("y", DType.FLOAT32, null, null));
      Model m = new Model(g, Map.of("", 13L), 8, "test", null, null);
      float[] v = dims.length == 0 ? new float[] {0f} : new float[0];
      try (Tensor x = Tensor.ofFloats(Shape.of(dims), v)) {
        float[] y = run(m, "cpu", x);
        assertEquals(v.length, y.length);
        if (y.length == 1) {
          assertEquals(0.5f, y[0], 1e-7f);
        }
      }
    }
  }

  /** Gaussian values times 3 with NaN, infinities, signed zeros and huge magnitudes at the front. */
  private static float[] values() {
    Random rnd = new Random(4);
    float[] v = new float[(int) (DIMS[0] * DIMS[1] * DIMS[2] * DIMS[3])];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian() * 3;
    }
    float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1e30f, -1e30f, 3f, -3f};
    System.arraycopy(special, 0, v, 0, special.length);
    return v;
  }

  private static List<Node> ops() {
    List<Node> ops = new ArrayList<>();
    ops.add(new Node("act", "Relu", List.of("x"), List.of("y")));
    Node leaky = new Node("act", "LeakyRelu", List.of("x"), List.of("y"));
    leaky.setAttr(Attribute.ofFloat("alpha", 0.1f));
    ops.add(leaky);
    ops.add(new Node("act", "Clip", List.of("x", "lo", "hi"), List.of("y")));
    ops.add(new Node("act", "Clip", List.of("x", "hi", "lo"), List.of("y")));  // min > max: every element is max
    ops.add(new Node("act", "Clip", List.of("x", "", "hi"), List.of("y")));    // no lower bound
    Node clip6 = new Node("act", "Clip", List.of("x"), List.of("y"));         // opset 6: bounds are attributes
    clip6.setAttr(Attribute.ofFloat("min", -1.5f));
    clip6.setAttr(Attribute.ofFloat("max", 2.5f));
    ops.add(clip6);
    Node hardSigmoid = new Node("act", "HardSigmoid", List.of("x"), List.of("y"));
    hardSigmoid.setAttr(Attribute.ofFloat("alpha", 0.25f));
    hardSigmoid.setAttr(Attribute.ofFloat("beta", 0.4f));
    ops.add(hardSigmoid);
    ops.add(new Node("act", "HardSwish", List.of("x"), List.of("y")));
    ops.add(new Node("act", "Sigmoid", List.of("x"), List.of("y")));
    ops.add(new Node("act", "Tanh", List.of("x"), List.of("y")));
    return ops;
  }

  private static Model model(Node op, int opset, DType dtype) {
    Graph g = new Graph("activation");
    List<Dim> dims = new ArrayList<>();
    for (long d : DIMS) {
      dims.add(Dim.of(d));
    }
    g.inputs().add(new ValueInfo("x", dtype, dtype == DType.FLOAT32 ? dims
        : List.of(Dim.of(1), Dim.of(1), Dim.of(2), Dim.of(3)), null));
    g.initializers().put("lo", Tensor.ofFloats(Shape.of(), -0.5f));
    g.initializers().put("hi", Tensor.ofFloats(Shape.of(), 0.75f));
    g.nodes().add(new Node(op.name(), op.opType(), op.domain(), op.inputs(), op.outputs(), op.attributes()));
    g.outputs().add(new ValueInfo("y", dtype, null, null));
    return new Model(g, Map.of("", (long) opset), 8, "test", null, null);
  }

  private static float[] run(Model m, String device, Tensor x) {
    return SingleOutputRun.run(m, SessionOptions.defaults().withDevice(device).withOptimize(false), x);
  }
}

package io.edgewise.backend.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Runs one-node models on `ref` and on ONNX Runtime (an independent implementation) and compares every output:
 * the harness of the *OrtCrossCheckTest classes, with their random and literal input tensors.
 */
final class OrtCrossCheck {
  private static final SessionOptions REF = SessionOptions.defaults().withDevice("ref");
  private static final SessionOptions ORT = SessionOptions.defaults().withDevice("ort");

  private OrtCrossCheck() {}

  /** One single-node model: op, opset, attributes, named inputs, number of outputs. */
  record Case(String name, String op, long opset, List<Attribute> attrs, List<Tensor> inputs, int outputs) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case c(String name, String op, long opset, List<Attribute> attrs, Tensor... inputs) {
    return new Case(name, op, opset, attrs, List.of(inputs), 1);
  }

  static Tensor f(Random r, long... dims) {
    Shape s = Shape.of(dims);
    float[] v = new float[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextGaussian() * 3);
    }
    return Tensor.ofFloats(s, v);
  }

  static Tensor pos(Random r, long... dims) {
    Tensor t = f(r, dims);
    for (long i = 0; i < t.size(); i++) {
      t.setDouble(i, Math.abs(t.getDouble(i)) + 0.1);
    }
    return t;
  }

  static Tensor ints(DType t, long[] dims, long... v) {
    return Tensor.ofLongs(t, Shape.of(dims), v);
  }

  static Tensor i64(long... v) {
    return Tensor.ofLongs(DType.INT64, Shape.of(v.length), v);
  }

  static Tensor s64(long v) {
    return Tensor.ofLongs(DType.INT64, Shape.scalar(), v);
  }

  /**
   * The case's node on ref and on ONNX Runtime: same dtypes, shapes and values (floats within 1e-6 + 1e-4
   * relative). Every node of the ref session must run on ref's own kernel, never on the ONNX Runtime fallback.
   */
  static void assertRefAgreesWithOrt(Case k) {
    Graph g = new Graph(k.name());
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    List<String> in = new ArrayList<>();
    for (int i = 0; i < k.inputs().size(); i++) {
      Tensor t = k.inputs().get(i);
      g.inputs().add(ValueInfo.tensor("i" + i, t.dtype(), t.shape()));
      feeds.put("i" + i, t);
      in.add("i" + i);
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < k.outputs(); i++) {
      out.add("o" + i);
      g.outputs().add(ValueInfo.tensor("o" + i, null));
    }
    Node n = new Node("n", k.op(), in, out);
    k.attrs().forEach(n::setAttr);
    g.nodes().add(n);
    try (Model m = new Model(g, Map.of("", k.opset()), 8, "test", null, null);
        Session ref = Session.open(m, REF);
        Session ort = Session.open(m, ORT)) {
      Map<String, Tensor> a = ref.run(feeds);
      Map<String, Tensor> e = ort.run(feeds);
      // the ref session must have run the node on its own kernel, not on the ONNX Runtime fallback
      ref.placement().forEach(p -> assertEquals("ref", p.device(), p.toString()));
      for (String o : out) {
        Tensor x = a.get(o);
        Tensor y = e.get(o);
        assertEquals(y.dtype(), x.dtype(), o + " dtype");
        assertEquals(y.shape(), x.shape(), o + " shape");
        if (y.dtype().isFloatingPoint()) {
          double[] xv = x.toDoubleArray();
          double[] yv = y.toDoubleArray();
          for (int i = 0; i < xv.length; i++) {
            boolean ok = Double.isNaN(yv[i]) ? Double.isNaN(xv[i])
                : Math.abs(xv[i] - yv[i]) <= 1e-6 + 1e-4 * Math.abs(yv[i]);
            assertTrue(ok, o + "[" + i + "]: ref " + xv[i] + " vs ort " + yv[i]);
          }
        } else {
          assertArrayEquals(y.toLongArray(), x.toLongArray(), o);
        }
      }
      a.values().forEach(Tensor::close);
      e.values().forEach(Tensor::close);
    }
  }
}

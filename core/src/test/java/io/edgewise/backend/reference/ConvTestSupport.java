package io.edgewise.backend.reference;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpKernel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.backend.BackendOptions;
import io.edgewise.model.Attribute;
import io.edgewise.model.Node;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs one reference kernel on hand-made tensors, for the kernel tests of this package. */
final class ConvTestSupport {
  private ConvTestSupport() {}

  /** A node named "n" of the given type (domain "" or "io.edgewise"), with inputs i0..iN and outputs. */
  static Node node(String domain, String op, int inputs, int outputs, Attribute... attrs) {
    List<String> in = new ArrayList<>();
    for (int i = 0; i < inputs; i++) {
      in.add("i" + i);
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < outputs; i++) {
      out.add("o" + i);
    }
    Map<String, Attribute> map = new LinkedHashMap<>();
    for (Attribute a : attrs) {
      map.put(a.name(), a);
    }
    return new Node("n", op, domain, in, out, map);
  }

  /** Runs one node on the reference kernels as the oracle: default options, plain Java throughout. */
  static Tensor[] run(Node node, int opset, Tensor... inputs) {
    return run(node, opset, BackendOptions.defaults(), inputs);
  }

  static Tensor[] run(Node node, int opset, BackendOptions options, Tensor... inputs) {
    OpKernel k = ReferenceBackend.registry().get(node.domain(), node.opType());
    return k.compute(new OpContext(node, opset, options), inputs);
  }

  /** Runs a one-output node (opset 22, default options). */
  static Tensor run1(Node node, Tensor... inputs) {
    return run(node, 22, inputs)[0];
  }

  static Tensor floats(long[] shape, float... v) {
    return Tensor.ofFloats(Shape.of(shape), v);
  }

  static long[] dims(long... d) {
    return d;
  }

  static void assertTensor(Tensor t, long[] shape, float... expected) {
    assertEquals(Shape.of(shape), t.shape());
    assertArrayEquals(expected, t.toFloatArray(), 1e-5f);
  }

  static void assertLongs(Tensor t, long[] shape, long... expected) {
    assertEquals(Shape.of(shape), t.shape());
    assertArrayEquals(expected, t.toLongArray());
  }
}

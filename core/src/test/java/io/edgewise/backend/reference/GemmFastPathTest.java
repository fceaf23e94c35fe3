package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.ConvTestSupport.node;
import static io.edgewise.backend.reference.ConvTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.cpu.NativeGemm;
import io.edgewise.model.Attribute;
import io.edgewise.model.Node;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.NativeLeakGuard;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The reference kernels' native GEMM, an explicit option (SessionOptions.withRefNativeGemm(true)), against the
 * default plain-Java GEMM on odd shapes: the two agree within 1e-4 relative. Each comparison also checks that the
 * option, and only the option, calls NativeCore.sgemm (through NativeGemm), so this exercises the native build, its
 * loading and the call across JNI, and shows that the default oracle never touches the native core.
 */
@ExtendWith(NativeLeakGuard.class)
class GemmFastPathTest {
  private static final BackendOptions NATIVE = SessionOptions.defaults().withRefNativeGemm(true).backendOptions();
  private final Random random = new Random(42);

  @Test
  void onlyTheExplicitOptionLendsTheNativeGemm() {
    assertNull(BackendOptions.defaults().refGemm());
    assertNull(SessionOptions.defaults().backendOptions().refGemm());
    assertNull(SessionOptions.defaults().withDevice("cpu").withThreads(2).backendOptions().refGemm());
    assertSame(NativeGemm.INSTANCE, NATIVE.refGemm());
  }

  /** A whole model (Conv, Gemm) on a `ref` session: plain Java by default, the native sgemm only when asked. */
  @Test
  void refSessionsAreThePlainJavaOracleUnlessAsked() {
    Path model = TestData.model("digits_cnn_0to9");
    try (Tensor x = TensorProtos.readFile(model.resolve("test_data_set_0/input_0.pb"))) {
      float[] plain;
      long before = NativeGemm.calls();
      try (Session s = Session.open(model.resolve("model.onnx"), SessionOptions.defaults());
          Tensor y = s.run(Map.of("input", x)).get("logits")) {
        plain = y.toFloatArray();
      }
      assertEquals(before, NativeGemm.calls(), "a default ref session called the native sgemm");
      try (Session s = Session.open(model.resolve("model.onnx"), SessionOptions.defaults().withRefNativeGemm(true));
          Tensor y = s.run(Map.of("input", x)).get("logits")) {
        assertTrue(NativeGemm.calls() > before, "withRefNativeGemm(true) did not call the native sgemm");
        assertArrayEquals(plain, y.toFloatArray(), 1e-3f);
      }
    }
  }

  @Test
  void convolutionsAgree() {
    compare(node("", "Conv", 3, 1, Attribute.ofInts("strides", 2, 1), Attribute.ofInts("pads", 1, 0, 1, 1),
        Attribute.ofInts("dilations", 1, 2)), rand(2, 3, 7, 5), rand(5, 3, 3, 2), rand(5));
    compare(node("", "Conv", 2, 1, Attribute.ofInt("group", 2), Attribute.ofString("auto_pad", "SAME_UPPER")),
        rand(1, 4, 9, 11), rand(6, 2, 3, 3));
    compare(node("", "Conv", 2, 1, Attribute.ofInt("group", 3)), rand(2, 3, 6, 5), rand(3, 1, 3, 3));
    compare(node("", "Conv", 3, 1), rand(1, 13, 5, 7), rand(17, 13, 1, 1), rand(17));
    compare(node("", "Conv", 2, 1, Attribute.ofInts("strides", 3)), rand(3, 5, 29), rand(7, 5, 4));
    compare(node("io.edgewise", "FusedConv", 4, 1, Attribute.ofString("activation", "Relu")), rand(1, 3, 5, 5),
        rand(4, 3, 3, 3), rand(4), rand(1, 4, 3, 3));
  }

  @Test
  void gemmsAgree() {
    for (int ta = 0; ta < 2; ta++) {
      for (int tb = 0; tb < 2; tb++) {
        Tensor a = ta == 1 ? rand(17, 13) : rand(13, 17);
        Tensor b = tb == 1 ? rand(11, 17) : rand(17, 11);
        compare(node("", "Gemm", 3, 1, Attribute.ofInt("transA", ta), Attribute.ofInt("transB", tb),
            Attribute.ofFloat("alpha", 0.7f), Attribute.ofFloat("beta", -1.3f)), a, b, rand(11));
      }
    }
    compare(node("", "MatMul", 2, 1), rand(3, 5, 7), rand(7, 9));
    compare(node("", "MatMul", 2, 1), rand(2, 1, 5, 31), rand(3, 31, 3));
    compare(node("", "MatMul", 2, 1), rand(1, 1), rand(1, 1));
  }

  /** Compares the node's first output on both GEMMs; closes the inputs. */
  private void compare(Node node, Tensor... inputs) {
    try {
      compareOpen(node, inputs);
    } finally {
      for (Tensor t : inputs) {
        t.close();
      }
    }
  }

  private void compareOpen(Node node, Tensor... inputs) {
    long before = NativeGemm.calls();
    float[] plain = first(run(node, 22, inputs));
    assertEquals(before, NativeGemm.calls(), node + " on default options called the native sgemm");
    float[] fast = first(run(node, 22, NATIVE, inputs));
    assertTrue(NativeGemm.calls() > before, node + " with the native GEMM option did not call the native sgemm");
    assertEquals(plain.length, fast.length);
    assertTrue(plain.length > 0);
    for (int i = 0; i < plain.length; i++) {
      float e = plain[i];
      assertTrue(Math.abs(fast[i] - e) <= 1e-4 * Math.max(1, Math.abs(e)),
          node + " element " + i + ": native " + fast[i] + ", Java " + e);
    }
  }

  /** The first output's values; closes every output. */
  private static float[] first(Tensor[] outputs) {
    try {
      return outputs[0].toFloatArray();
    } finally {
      for (Tensor t : outputs) {
        t.close();
      }
    }
  }

  private Tensor rand(long... dims) {
    Shape s = Shape.of(dims);
    float[] v = new float[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = random.nextFloat() * 2 - 1;
    }
    return Tensor.ofFloats(s, v);
  }
}

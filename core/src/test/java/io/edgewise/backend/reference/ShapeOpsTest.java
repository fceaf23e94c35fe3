package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.ConvTestSupport.assertLongs;
import static io.edgewise.backend.reference.ConvTestSupport.assertTensor;
import static io.edgewise.backend.reference.ConvTestSupport.dims;
import static io.edgewise.backend.reference.ConvTestSupport.floats;
import static io.edgewise.backend.reference.ConvTestSupport.node;
import static io.edgewise.backend.reference.ConvTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Attribute;
import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Hand-computed values for the tricky corners of the reference kernels' shape plumbing, activations and math. */
class ShapeOpsTest {
  private static Tensor i64(long... v) {
    return Tensor.ofLongs(DType.INT64, Shape.of(v.length), v);
  }

  private static Tensor iota(long... shape) {
    Shape s = Shape.of(shape);
    float[] v = new float[(int) s.numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    return Tensor.ofFloats(s, v);
  }

  private static EdgewiseException fails(Node n, int opset, Tensor... in) {
    return assertThrows(EdgewiseException.class, () -> run(n, opset, in));
  }

  @Test
  void sliceWithNegativeStepsWalksBackwardsAndClampsAsTheSpecSays() {
    Tensor x = iota(6);
    // x[4:0:-2] = 4, 2
    assertTensor(run(node("", "Slice", 5, 1), 13, x, i64(4), i64(0), i64(0), i64(-2))[0], dims(2), 4, 2);
    // end far below -n clamps to -1, so element 0 is included: x[::-1]
    assertTensor(run(node("", "Slice", 5, 1), 13, x, i64(-1), i64(Long.MIN_VALUE), i64(0), i64(-1))[0],
        dims(6), 5, 4, 3, 2, 1, 0);
    // start above n clamps to n - 1 for a negative step
    assertTensor(run(node("", "Slice", 5, 1), 13, x, i64(100), i64(2), i64(0), i64(-3))[0], dims(1), 5);
    // start below -n clamps to 0 for a negative step (the spec and ONNX Runtime; numpy would give nothing)
    assertTensor(run(node("", "Slice", 5, 1), 13, x, i64(-10), i64(-10), i64(0), i64(-1))[0], dims(1), 0);
    // 2-D: rows reversed, columns 1..2
    assertTensor(run(node("", "Slice", 5, 1), 13, iota(2, 3), i64(-1, 1), i64(-3, 3), i64(0, 1),
        i64(-1, 1))[0], dims(2, 2), 4, 5, 1, 2);
  }

  @Test
  void sliceRefusesAZeroStepAndAnAxisTwice() {
    assertTrue(fails(node("", "Slice", 5, 1), 13, iota(4), i64(0), i64(2), i64(0), i64(0)).getMessage()
        .contains("steps[0]"));
    assertTrue(fails(node("", "Slice", 4, 1), 13, iota(4), i64(0, 0), i64(1, 1), i64(0, -1)).getMessage()
        .contains("sliced twice"));
  }

  @Test
  void reshapeCopiesZeroDimsUnlessAllowzero() {
    Tensor x = iota(2, 0, 3);
    assertEquals(Shape.of(2, 0, 3), run(node("", "Reshape", 2, 1), 14, x, i64(0, 0, 3))[0].shape());
    // -1 next to a zero-sized dimension is ambiguous
    assertTrue(fails(node("", "Reshape", 2, 1), 14, x, i64(0, 0, -1)).getMessage().contains("cannot infer -1"));
    // allowzero=1: 0 is a real zero-sized dimension
    Node az = node("", "Reshape", 2, 1, Attribute.ofInt("allowzero", 1));
    assertEquals(Shape.of(3, 0), run(az, 14, x, i64(3, 0))[0].shape());
    assertTrue(fails(az, 14, x, i64(0, -1)).getMessage().contains("allowzero"));
    // without allowzero, 0 copies input dim 1 (=3 here) and -1 takes the rest
    assertEquals(Shape.of(4, 3), run(node("", "Reshape", 2, 1), 14, iota(4, 3), i64(-1, 0))[0].shape());
    EdgewiseException e = fails(node("", "Reshape", 2, 1), 14, iota(4, 3), i64(5, -1));
    assertTrue(e.getMessage().contains("node 'n' (Reshape)") && e.getMessage().contains("-1"), e.getMessage());
    assertTrue(fails(node("", "Reshape", 2, 1), 14, iota(4, 3), i64(-1, -1)).getMessage().contains("more than one"));
  }

  @Test
  void softmaxBeforeOpset13CoercesTo2dAtAxis() {
    // shape (2, 2): opset 11 axis 0 normalises over all four elements; opset 13 axis 0 over each column
    Tensor x = floats(dims(2, 2), 0, 1, 2, 3);
    double z = 1 + Math.E + Math.exp(2) + Math.exp(3);
    Node axis0 = node("", "Softmax", 1, 1, Attribute.ofInt("axis", 0));
    assertTensor(run(axis0, 11, x)[0], dims(2, 2), (float) (1 / z), (float) (Math.E / z),
        (float) (Math.exp(2) / z), (float) (Math.exp(3) / z));
    double c = 1 + Math.exp(2);
    assertTensor(run(axis0, 13, x)[0], dims(2, 2), (float) (1 / c), (float) (1 / c), (float) (Math.exp(2) / c),
        (float) (Math.exp(2) / c));
    // default axis: 1 before 13 (flattened trailing dims of a 3-D tensor), -1 from 13
    Tensor y = iota(1, 2, 2);
    double all = 1 + Math.E + Math.exp(2) + Math.exp(3);
    assertEquals(1 / all, run(node("", "Softmax", 1, 1), 11, y)[0].getDouble(0), 1e-7);
    assertEquals(1 / (1 + Math.E), run(node("", "Softmax", 1, 1), 13, y)[0].getDouble(0), 1e-7);
  }

  @Test
  void integerDivTruncatesTowardZeroAndWraps() {
    Tensor a = Tensor.ofLongs(DType.INT32, Shape.of(4), 7, -7, 7, -7);
    Tensor b = Tensor.ofLongs(DType.INT32, Shape.of(4), 2, 2, -2, -2);
    assertLongs(run(node("", "Div", 2, 1), 14, a, b)[0], dims(4), 3, -3, -3, 3);
    Tensor m = Tensor.ofLongs(DType.INT8, Shape.of(1), -128);
    Tensor n1 = Tensor.ofLongs(DType.INT8, Shape.of(1), -1);
    assertLongs(run(node("", "Div", 2, 1), 14, m, n1)[0], dims(1), -128);  // wraps like C int8
    Tensor big = Tensor.ofLongs(DType.UINT64, Shape.of(1), -2L);  // 2^64 - 2
    Tensor two = Tensor.ofLongs(DType.UINT64, Shape.of(1), 2);
    assertLongs(run(node("", "Div", 2, 1), 14, big, two)[0], dims(1), Long.MAX_VALUE);
    Tensor zero = Tensor.ofLongs(DType.INT32, Shape.of(4), 1, 0, 1, 1);
    assertTrue(fails(node("", "Div", 2, 1), 14, a, zero).getMessage().contains("division by zero"));
  }

  @Test
  void integerArithmeticIsExactBeyondDoublePrecision() {
    long big = (1L << 60) + 1;
    Tensor a = Tensor.ofLongs(DType.INT64, Shape.of(2), big, 3);
    assertLongs(run(node("", "ReduceSum", 2, 1), 13, a, i64(0))[0], dims(1), big + 3);
    Tensor b = Tensor.ofLongs(DType.INT64, Shape.of(1), 2);
    assertLongs(run(node("", "Mul", 2, 1), 14, a, b)[0], dims(2), 2 * big, 6);
    assertLongs(run(node("", "Pow", 2, 1), 15, Tensor.ofLongs(DType.INT64, Shape.of(1), 3),
        Tensor.ofLongs(DType.INT64, Shape.of(1), 39))[0], dims(1), 4052555153018976267L);
    Tensor u = Tensor.ofLongs(DType.UINT64, Shape.of(2), -1L, 5);
    assertLongs(run(node("", "Max", 2, 1), 13, u, Tensor.ofLongs(DType.UINT64, Shape.of(1), 7))[0], dims(2),
        -1L, 7);
  }

  @Test
  void reductionsKeepDimsNoopAndEmptySets() {
    Tensor x = iota(2, 3);
    Node noop = node("", "ReduceSum", 1, 1, Attribute.ofInt("noop_with_empty_axes", 1));
    assertTensor(run(noop, 13, x)[0], dims(2, 3), 0, 1, 2, 3, 4, 5);
    assertTensor(run(node("", "ReduceSum", 1, 1), 13, x)[0], dims(1, 1), 15);
    assertTensor(run(node("", "ReduceMean", 1, 1, Attribute.ofInts("axes", -1), Attribute.ofInt("keepdims", 0)),
        13, x)[0], dims(2), 1, 4);
    Tensor empty = iota(2, 0);
    assertTensor(run(node("", "ReduceMax", 2, 1), 18, empty, i64(1))[0], dims(2, 1),
        Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY);
    assertTensor(run(node("", "ReduceProd", 2, 1), 18, empty, i64(1))[0], dims(2, 1), 1, 1);
    assertTrue(Double.isNaN(run(node("", "ReduceMean", 2, 1), 18, empty, i64(1))[0].getDouble(0)));
    assertTrue(fails(node("", "ReduceMax", 2, 1), 18, x, i64(2)).getMessage().contains("axes entry = 2"));
  }

  @Test
  void splitNeedsEvenPartsBeforeOpset18AndAllowsAShortLastPartAfter() {
    Tensor x = iota(5);
    assertTrue(fails(node("", "Split", 1, 2), 13, x).getMessage().contains("evenly"));
    Tensor[] parts = run(node("", "Split", 1, 2, Attribute.ofInt("num_outputs", 2)), 18, x);
    assertTensor(parts[0], dims(3), 0, 1, 2);
    assertTensor(parts[1], dims(2), 3, 4);
    Tensor[] byAttr = run(node("", "Split", 1, 2, Attribute.ofInts("split", 1, 4)), 11, x);
    assertTensor(byAttr[1], dims(4), 1, 2, 3, 4);
  }

  @Test
  void squeezeUnsqueezeTakeAxesFromAttributeBefore13AndInputFrom13() {
    Tensor x = iota(1, 3, 1);
    assertEquals(Shape.of(1, 3), run(node("", "Squeeze", 1, 1, Attribute.ofInts("axes", -1)), 11, x)[0].shape());
    assertEquals(Shape.of(3, 1), run(node("", "Squeeze", 2, 1), 13, x, i64(0))[0].shape());
    assertEquals(Shape.of(1, 1, 3, 1, 1), run(node("", "Unsqueeze", 2, 1), 13, x, i64(-1, 1))[0].shape());
    assertTrue(fails(node("", "Squeeze", 2, 1), 13, x, i64(1)).getMessage().contains("cannot squeeze axis 1"));
  }

  @Test
  void castTruncatesFloatsAndWrapsIntegers() {
    Tensor f = Tensor.ofFloats(Shape.of(5), -2.7f, 2.7f, Float.NaN, 300f, 0.5f);
    Node toInt8 = node("", "Cast", 1, 1, Attribute.ofInt("to", DType.INT8.onnxCode()));
    assertLongs(run(toInt8, 13, f)[0], dims(5), -2, 2, 0, 44, 0);  // 300 wraps to 44 as a C cast
    Node toBool = node("", "Cast", 1, 1, Attribute.ofInt("to", DType.BOOL.onnxCode()));
    assertLongs(run(toBool, 13, f)[0], dims(5), 1, 1, 1, 1, 1);
    Tensor i = Tensor.ofLongs(DType.INT64, Shape.of(3), 256, -1, (1L << 53) + 1);
    assertLongs(run(toBool, 13, i)[0], dims(3), 1, 1, 1);
    Node toU8 = node("", "Cast", 1, 1, Attribute.ofInt("to", DType.UINT8.onnxCode()));
    assertLongs(run(toU8, 13, i)[0], dims(3), 0, 255, 1);
  }

  @Test
  void dropoutIsIdentityAtInferenceAndScalesKeptElementsInTraining() {
    Tensor x = iota(1000);
    Tensor[] inference = run(node("", "Dropout", 1, 2), 13, x);
    assertEquals(999.0, inference[0].getDouble(999));
    assertEquals(1000, java.util.stream.LongStream.of(inference[1].toLongArray()).sum());
    Node seeded = node("", "Dropout", 3, 2, Attribute.ofInt("seed", 42));
    Tensor ratio = Tensor.scalarFloat(0.25f);
    Tensor on = Tensor.ofLongs(DType.BOOL, Shape.scalar(), 1);
    Tensor[] t1 = run(seeded, 13, x, ratio, on);
    Tensor[] t2 = run(seeded, 13, x, ratio, on);
    long kept = 0;
    for (int i = 0; i < 1000; i++) {
      boolean keep = t1[1].getBool(i);
      kept += keep ? 1 : 0;
      assertEquals(keep ? i / 0.75 : 0, t1[0].getDouble(i), 1e-3);
      assertEquals(t1[0].getDouble(i), t2[0].getDouble(i), "same seed, same mask");
    }
    assertTrue(kept > 650 && kept < 850, "kept " + kept);
  }

  @Test
  void badShapesNameTheNode() {
    Tensor a = iota(2, 3);
    Tensor b = iota(4);
    EdgewiseException e = fails(node("", "Add", 2, 1), 14, a, b);
    assertTrue(e.getMessage().contains("node 'n' (Add)") && e.getMessage().contains("cannot be broadcast"),
        e.getMessage());
    assertTrue(fails(node("", "Transpose", 1, 1, Attribute.ofInts("perm", 0, 0)), 13, a).getMessage()
        .contains("not a permutation"));
    assertTrue(fails(node("", "Gather", 2, 1), 13, a, i64(2)).getMessage().contains("out of range"));
    assertTrue(fails(node("", "Concat", 2, 1, Attribute.ofInt("axis", 0)), 13, a, iota(2, 4)).getMessage()
        .contains("outside axis 0"));
    assertTrue(fails(node("", "Expand", 2, 1), 13, a, i64(4, 3)).getMessage().contains("node 'n' (Expand)"));
  }
}

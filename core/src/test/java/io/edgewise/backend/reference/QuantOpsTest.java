package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.ConvTestSupport.assertLongs;
import static io.edgewise.backend.reference.ConvTestSupport.assertTensor;
import static io.edgewise.backend.reference.ConvTestSupport.dims;
import static io.edgewise.backend.reference.ConvTestSupport.floats;
import static io.edgewise.backend.reference.ConvTestSupport.node;
import static io.edgewise.backend.reference.ConvTestSupport.run;
import static io.edgewise.backend.reference.ConvTestSupport.run1;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.model.Attribute;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Quantization ops and the integer convolutions: rounding half to even, saturation, per-axis and blocked. */
class QuantOpsTest {
  private static Tensor scalar(float v) {
    return Tensor.ofFloats(Shape.scalar(), v);
  }

  private static Tensor ints(DType t, long[] shape, long... v) {
    return Tensor.ofLongs(t, Shape.of(shape), v);
  }

  @Test
  void quantizeRoundsHalfToEvenAndSaturates() {
    Tensor x = floats(dims(8), 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 300, -300);
    Tensor q8 = run1(node("", "QuantizeLinear", 3, 1), x, scalar(1), ints(DType.INT8, dims(), 0));
    assertLongs(q8, dims(8), 0, 2, 2, 0, -2, -2, 127, -128);
    // uint8 with zero point 128: 128 + [0, 2, 2, 0, -2, -2] and saturation at 255 / 0.
    Tensor qu = run1(node("", "QuantizeLinear", 3, 1), x, scalar(1), ints(DType.UINT8, dims(), 128));
    assertLongs(qu, dims(8), 128, 130, 130, 128, 126, 126, 255, 0);
    // No zero point: uint8; int16 through output_dtype.
    assertEquals(DType.UINT8, run1(node("", "QuantizeLinear", 2, 1), x, scalar(1)).dtype());
    Tensor q16 = run1(node("", "QuantizeLinear", 2, 1, Attribute.ofInt("output_dtype", 5)), x, scalar(0.001f));
    assertLongs(q16, dims(8), 500, 1500, 2500, -500, -1500, -2500, 32767, -32768);
  }

  @Test
  void quantizeDividesAtTheInputsPrecision() {
    // DynamicQuantizeLinear's expansion: scale 5 / 255 in float32, 0.5 / scale is 25.5 in float32 (and
    // 25.49999997 in double): half to even gives 26, plus zero point 153 -> 179, as ONNX's expected output
    Tensor q = run1(node("", "QuantizeLinear", 3, 1), floats(dims(1), 0.5f), scalar(5f / 255),
        ints(DType.UINT8, dims(), 153));
    assertLongs(q, dims(1), 179);
  }

  @Test
  void quantizeAndDequantizePerAxisAndBlocked() {
    Tensor x = floats(dims(2, 4), 1, 2, 3, 4, 10, 20, 30, 40);
    // Per axis 0: scales [1, 10].
    Tensor perAxis = run1(node("", "QuantizeLinear", 2, 1, Attribute.ofInt("axis", 0)), x, floats(dims(2), 1, 10));
    assertLongs(perAxis, dims(2, 4), 1, 2, 3, 4, 1, 2, 3, 4);
    // Blocks of 2 along axis 1: scales [[1, 2], [10, 20]], zero points [[0, 1], [2, 3]].
    Tensor blocked = run1(node("", "QuantizeLinear", 3, 1, Attribute.ofInt("axis", 1), Attribute.ofInt("block_size",
        2)), x, floats(dims(2, 2), 1, 2, 10, 20), ints(DType.UINT8, dims(2, 2), 0, 1, 2, 3));
    // 3/2 = 1.5 -> 2, 4/2 = 2; 30/20 = 1.5 -> 2, 40/20 = 2.
    assertLongs(blocked, dims(2, 4), 1, 2, 3, 3, 3, 4, 5, 5);
    Tensor back = run1(node("", "DequantizeLinear", 3, 1, Attribute.ofInt("axis", 1), Attribute.ofInt("block_size",
        2)), blocked, floats(dims(2, 2), 1, 2, 10, 20), ints(DType.UINT8, dims(2, 2), 0, 1, 2, 3));
    assertTensor(back, dims(2, 4), 1, 2, 4, 4, 10, 20, 40, 40);
    Tensor deq = run1(node("", "DequantizeLinear", 3, 1, Attribute.ofInt("axis", 0)),
        ints(DType.INT8, dims(2, 2), -128, 127, 0, 1), floats(dims(2), 0.5f, 2), ints(DType.INT8, dims(2), 0, 1));
    assertTensor(deq, dims(2, 2), -64, 63.5f, -2, 0);
  }

  @Test
  void quantizeRefusesMismatchedScales() {
    ConvOpsTest.expectInvalid("must be a scalar or have 4 entries for axis 1", node("", "QuantizeLinear", 2, 1, Attribute.ofInt("axis", 1)),
        floats(dims(2, 4), new float[8]), floats(dims(3), 1, 2, 3));
    ConvOpsTest.expectInvalid("blocked scale", node("", "QuantizeLinear", 2, 1, Attribute.ofInt("block_size", 3)),
        floats(dims(2, 4), new float[8]), floats(dims(2, 3), 1, 2, 3, 4, 5, 6));
    ConvOpsTest.expectInvalid("axis", node("", "DequantizeLinear", 2, 1, Attribute.ofInt("axis", 2)),
        ints(DType.UINT8, dims(2, 2), 1, 2, 3, 4), floats(dims(2), 1, 2));
  }

  @Test
  void qlinearConvRoundsHalfToEvenPerChannelAndSaturates() {
    // x = 5 - x_zero_point 0, two 1x1 filters: w = 1 with scales 0.5 and 1.5, and w = 2 with scale 100.
    Tensor x = ints(DType.UINT8, dims(1, 1, 1, 2), 5, 7);
    Tensor w = ints(DType.UINT8, dims(3, 1, 1, 1), 1, 1, 2);
    Tensor wScale = floats(dims(3), 0.5f, 1.5f, 100f);
    Tensor y = run1(node("", "QLinearConv", 8, 1), x, scalar(1), ints(DType.UINT8, dims(), 0), w, wScale,
        ints(DType.UINT8, dims(3), 0, 0, 0), scalar(1), ints(DType.UINT8, dims(), 10));
    // 5*0.5 = 2.5 -> 2, 7*0.5 = 3.5 -> 4; 5*1.5 = 7.5 -> 8, 7*1.5 = 10.5 -> 10; 1000 and 1400 saturate.
    assertLongs(y, dims(1, 3, 1, 2), 12, 14, 18, 20, 255, 255);
    // Bias (int32, in the accumulator's scale) is added before requantization: (5 + 1) * 0.5 = 3.
    Tensor b = ints(DType.INT32, dims(3), 1, 0, -3);
    Tensor yb = run1(node("", "QLinearConv", 9, 1), x, scalar(1), ints(DType.UINT8, dims(), 0), w, wScale,
        ints(DType.UINT8, dims(3), 0, 0, 0), scalar(1), ints(DType.UINT8, dims(), 10), b);
    assertLongs(yb, dims(1, 3, 1, 2), 13, 14, 18, 20, 255, 255);
  }

  @Test
  void convIntegerSubtractsZeroPointsPerOutputChannel() {
    Tensor x = ints(DType.UINT8, dims(1, 1, 2, 2), 10, 11, 12, 13);
    Tensor w = ints(DType.INT8, dims(2, 1, 2, 2), 1, 1, 1, 1, 3, 3, 3, 3);
    Tensor y = run(node("", "ConvInteger", 4, 1), 10, x, w, ints(DType.UINT8, dims(), 10),
        ints(DType.INT8, dims(2), 0, 2))[0];
    // x' = [0, 1, 2, 3]; w' = ones for both channels.
    assertLongs(y, dims(1, 2, 1, 1), 6, 6);
    assertEquals(DType.INT32, y.dtype());
  }
}

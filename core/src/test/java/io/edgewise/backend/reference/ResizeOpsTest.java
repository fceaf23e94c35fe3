package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.ConvTestSupport.assertLongs;
import static io.edgewise.backend.reference.ConvTestSupport.assertTensor;
import static io.edgewise.backend.reference.ConvTestSupport.dims;
import static io.edgewise.backend.reference.ConvTestSupport.floats;
import static io.edgewise.backend.reference.ConvTestSupport.node;
import static io.edgewise.backend.reference.ConvTestSupport.run;
import static io.edgewise.backend.reference.PadOpsTest.assertBad;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.model.Attribute;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Resize and Upsample worked out by hand: nearest rounding, old opsets, n-linear, integer types, errors. */
class ResizeOpsTest {
  private static Tensor scales(float... s) {
    return floats(dims(s.length), s);
  }

  private static Tensor sizes(long... s) {
    return Tensor.ofLongs(DType.INT64, Shape.of(s.length), s);
  }

  private static Tensor resize(int opset, Tensor x, Tensor roi, Tensor scales, Tensor sizes, Attribute... attrs) {
    return run(node("", "Resize", 4, 1, attrs), opset, x, roi, scales, sizes)[0];
  }

  @Test
  void nearestModesRoundQuarterPositionsDifferently() {
    // [10, 20] upsampled 4x, asymmetric: positions 0, .25, .5, .75, 1, 1.25, 1.5, 1.75 (past 1 clamps to 20).
    Tensor x = floats(dims(2), 10, 20);
    String[] modes = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    float[][] expected = {
        {10, 10, 10, 20, 20, 20, 20, 20},
        {10, 10, 20, 20, 20, 20, 20, 20},
        {10, 10, 10, 10, 20, 20, 20, 20},
        {10, 20, 20, 20, 20, 20, 20, 20}};
    for (int i = 0; i < modes.length; i++) {
      assertTensor(resize(19, x, null, scales(4), null, Attribute.ofString("mode", "nearest"),
          Attribute.ofString("coordinate_transformation_mode", "asymmetric"),
          Attribute.ofString("nearest_mode", modes[i])), dims(8), expected[i]);
    }
  }

  @Test
  void linearAlignCornersHitsBothEnds() {
    // [0, 3] to length 4: positions 0, 1/3, 2/3, 1 -> 0, 1, 2, 3.
    assertTensor(resize(13, floats(dims(2), 0, 3), null, null, sizes(4), Attribute.ofString("mode", "linear"),
        Attribute.ofString("coordinate_transformation_mode", "align_corners")), dims(4), 0, 1, 2, 3);
  }

  @Test
  void trilinearOverThreeAxes() {
    // A 2x2x2 cube 0..7 resized to 3x3x3 with align_corners: the midpoints average their corners.
    Tensor x = floats(dims(2, 2, 2), 0, 1, 2, 3, 4, 5, 6, 7);
    Tensor y = resize(13, x, null, null, sizes(3, 3, 3), Attribute.ofString("mode", "linear"),
        Attribute.ofString("coordinate_transformation_mode", "align_corners"));
    assertEquals(Shape.of(3, 3, 3), y.shape());
    assertEquals(0, y.getFloat(0));
    assertEquals(2, y.getFloat(9), 1e-6);    // (1, 0, 0): between 0 and 4
    assertEquals(3.5, y.getFloat(13), 1e-6); // the centre: mean of all eight
    assertEquals(7, y.getFloat(26), 1e-6);
  }

  @Test
  void opset10UsesAsymmetricCoordinatesAndFloor() {
    Tensor x = floats(dims(1, 1, 1, 2), 1, 2);
    assertTensor(resize(10, x, scales(1, 1, 1, 2), null, null, Attribute.ofString("mode", "linear")),
        dims(1, 1, 1, 4), 1, 1.5f, 2, 2);
    assertTensor(resize(10, x, scales(1, 1, 1, 3), null, null), dims(1, 1, 1, 6), 1, 1, 1, 2, 2, 2);
  }

  @Test
  void upsampleTakesScalesFromTheAttributeThenTheInput() {
    Tensor x = floats(dims(1, 1, 2, 2), 1, 2, 3, 4);
    assertTensor(run(node("", "Upsample", 1, 1, Attribute.ofFloats("scales", 1, 1, 2, 2)), 7, x)[0],
        dims(1, 1, 4, 4), 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4);
    assertTensor(run(node("", "Upsample", 2, 1, Attribute.ofString("mode", "linear")), 9,
        floats(dims(1, 2), 1, 3), scales(1, 2))[0], dims(1, 4), 1, 2, 3, 3);
  }

  @Test
  void integerOutputsTruncateAndNearestStaysExact() {
    // half_pixel 2x of [10, 21]: 10, 12.75, 18.25, 21 -> 10, 12, 18, 21 (numpy astype truncates).
    Tensor u8 = Tensor.ofLongs(DType.UINT8, Shape.of(2), 10, 21);
    assertLongs(resize(13, u8, null, scales(2), null, Attribute.ofString("mode", "linear")), dims(4), 10, 12, 18, 21);
    long big = (1L << 60) + 1;
    Tensor i64 = Tensor.ofLongs(DType.INT64, Shape.of(2), big, -big);
    assertLongs(resize(13, i64, null, scales(2), null), dims(4), big, big, -big, -big);
  }

  @Test
  void pytorchHalfPixelMapsASingleOutputToZeroAsTheSpec() {
    // The spec (and ONNX Runtime) map length-1 outputs to coordinate 0, so cubic returns the first element.
    assertTensor(resize(13, floats(dims(4), 1, 2, 3, 4), null, null, sizes(1), Attribute.ofString("mode", "cubic"),
        Attribute.ofString("coordinate_transformation_mode", "pytorch_half_pixel")), dims(1), 1);
  }

  @Test
  void badInputsAndAttributesNameTheNode() {
    Tensor x = floats(dims(1, 2), 1, 2);
    assertBad("both given", () -> resize(13, x, null, scales(1, 2), sizes(1, 4)));
    assertBad("neither", () -> resize(13, x, null, null, null));
    assertBad("scales has 1 entries for 2 axes", () -> resize(13, x, null, scales(2), null));
    assertBad("must be positive", () -> resize(13, x, null, scales(1, -2), null));
    assertBad("must be positive", () -> resize(13, x, null, scales(1, Float.NaN), null));
    assertBad("sizes[1] = -4", () -> resize(13, x, null, null, sizes(1, -4)));
    assertBad("mode = 'area'", () -> resize(13, x, null, scales(1, 2), null, Attribute.ofString("mode", "area")));
    assertBad("nearest_mode = 'up'", () -> resize(13, x, null, scales(1, 2), null,
        Attribute.ofString("nearest_mode", "up")));
    assertBad("coordinate_transformation_mode = 'centre'", () -> resize(13, x, null, scales(1, 2), null,
        Attribute.ofString("coordinate_transformation_mode", "centre")));
    assertBad("needs the roi", () -> resize(13, x, null, scales(1, 2), null,
        Attribute.ofString("coordinate_transformation_mode", "tf_crop_and_resize")));
    assertBad("roi has 2 entries", () -> resize(13, x, scales(0, 1), scales(1, 2), null,
        Attribute.ofString("coordinate_transformation_mode", "tf_crop_and_resize")));
    assertBad("keep_aspect_ratio_policy = 'fit'", () -> resize(19, x, null, null, sizes(2, 2),
        Attribute.ofString("keep_aspect_ratio_policy", "fit")));
    assertBad("names axis 1 twice", () -> resize(19, x, null, scales(2, 2), null, Attribute.ofInts("axes", 1, -1)));
    assertBad("out of range", () -> resize(19, x, null, scales(2), null, Attribute.ofInts("axes", 2)));
    assertBad("is empty", () -> resize(13, Tensor.allocate(DType.FLOAT32, Shape.of(1, 0)), null, null, sizes(1, 3)));
    assertBad("too large", () -> resize(13, x, null, null, sizes(1L << 40, 1L << 40)));
    assertBad("taps per output", () -> resize(13, x, null, scales(1, 1e-9f), null, Attribute.ofString("mode",
        "linear"), Attribute.ofInt("antialias", 1)));
    // An empty output is fine even where another axis would be huge.
    assertEquals(Shape.of(0, 1L << 40), resize(13, x, null, null, sizes(0, 1L << 40)).shape());
    assertBad("attribute scales is required", () -> run(node("", "Upsample", 1, 1), 7, x));
  }
}

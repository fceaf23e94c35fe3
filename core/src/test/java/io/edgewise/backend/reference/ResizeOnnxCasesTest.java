package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.ConvTestSupport.dims;
import static io.edgewise.backend.reference.ConvTestSupport.floats;
import static io.edgewise.backend.reference.ConvTestSupport.node;
import static io.edgewise.backend.reference.ConvTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.model.Attribute;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Resize at opset 19 against the expected outputs that onnx's node-test generator
 * (onnx/backend/test/case/node/resize.py, v1.13+) quotes beside each case: the ONNX node tests that the shared
 * test data does not carry (cubic variants, antialias, tf_crop_and_resize, axes, aspect-ratio policies, nearest
 * modes, half_pixel_symmetric).
 */
class ResizeOnnxCasesTest {
  private static final Tensor X22 = floats(dims(1, 1, 2, 2), 1, 2, 3, 4);
  private static final Tensor X24 = floats(dims(1, 1, 2, 4), 1, 2, 3, 4, 5, 6, 7, 8);
  private static final Tensor X44 = floats(dims(1, 1, 4, 4), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);

  private static Tensor scales(float... s) {
    return floats(dims(s.length), s);
  }

  private static Tensor sizes(long... s) {
    return Tensor.ofLongs(DType.INT64, Shape.of(s.length), s);
  }

  /** Runs Resize (inputs X, roi, scales, sizes; null = omitted) and compares within 1e-5. */
  private static void check(Tensor x, Tensor roi, Tensor scales, Tensor sizes, long[] shape, float[] expected,
      Attribute... attrs) {
    Tensor y = run(node("", "Resize", 4, 1, attrs), 19, x, roi, scales, sizes)[0];
    assertEquals(Shape.of(shape), y.shape());
    assertArrayEquals(expected, y.toFloatArray(), 1e-5f);
  }

  private static Attribute mode(String m) {
    return Attribute.ofString("mode", m);
  }

  private static Attribute transform(String t) {
    return Attribute.ofString("coordinate_transformation_mode", t);
  }

  @Test
  void nearestDefaults() {
    check(X22, null, scales(1, 1, 2, 3), null, dims(1, 1, 4, 6), new float[] {
        1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}, mode("nearest"));
    check(X24, null, scales(1, 1, 0.6f, 0.6f), null, dims(1, 1, 1, 2), new float[] {1, 3}, mode("nearest"));
    check(X22, null, null, sizes(1, 1, 7, 8), dims(1, 1, 7, 8), new float[] {
        1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2,
        3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4, 4}, mode("nearest"));
    check(X24, null, null, sizes(1, 1, 1, 3), dims(1, 1, 1, 3), new float[] {1, 2, 4}, mode("nearest"));
  }

  @Test
  void nearestModesAndTransforms() {
    check(X44, null, null, sizes(1, 1, 8, 8), dims(1, 1, 8, 8), new float[] {
        1, 1, 1, 2, 2, 3, 3, 4, 1, 1, 1, 2, 2, 3, 3, 4, 1, 1, 1, 2, 2, 3, 3, 4, 5, 5, 5, 6, 6, 7, 7, 8,
        5, 5, 5, 6, 6, 7, 7, 8, 9, 9, 9, 10, 10, 11, 11, 12, 9, 9, 9, 10, 10, 11, 11, 12,
        13, 13, 13, 14, 14, 15, 15, 16},
        mode("nearest"), transform("align_corners"), Attribute.ofString("nearest_mode", "floor"));
    float[] ceil = {
        1, 2, 2, 3, 3, 4, 4, 4, 5, 6, 6, 7, 7, 8, 8, 8, 5, 6, 6, 7, 7, 8, 8, 8, 9, 10, 10, 11, 11, 12, 12, 12,
        9, 10, 10, 11, 11, 12, 12, 12, 13, 14, 14, 15, 15, 16, 16, 16, 13, 14, 14, 15, 15, 16, 16, 16,
        13, 14, 14, 15, 15, 16, 16, 16};
    check(X44, null, null, sizes(1, 1, 8, 8), dims(1, 1, 8, 8), ceil,
        mode("nearest"), transform("asymmetric"), Attribute.ofString("nearest_mode", "round_prefer_ceil"));
    check(X44, null, null, sizes(1, 1, 8, 8), dims(1, 1, 8, 8), ceil,
        mode("nearest"), transform("half_pixel"), Attribute.ofString("nearest_mode", "ceil"));
  }

  @Test
  void linear() {
    check(X22, null, scales(1, 1, 2, 2), null, dims(1, 1, 4, 4), new float[] {
        1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4}, mode("linear"));
    check(X22, null, scales(1, 1, 2, 2), null, dims(1, 1, 4, 4), new float[] {
        1, 1.33333333f, 1.66666667f, 2, 1.66666667f, 2, 2.33333333f, 2.66666667f,
        2.33333333f, 2.66666667f, 3, 3.33333333f, 3, 3.33333333f, 3.66666667f, 4},
        mode("linear"), transform("align_corners"));
    check(X24, null, scales(1, 1, 0.6f, 0.6f), null, dims(1, 1, 1, 2), new float[] {2.6666665f, 4.3333331f},
        mode("linear"));
    // align_corners divides by the real-valued output length (4 * 0.6 - 1 = 1.4), not by floor(2.4) - 1.
    check(X24, null, scales(1, 1, 0.6f, 0.6f), null, dims(1, 1, 1, 2), new float[] {1, 3.142857f},
        mode("linear"), transform("align_corners"));
    check(X44, null, null, sizes(1, 1, 3, 1), dims(1, 1, 3, 1), new float[] {1.6666666f, 7, 12.333333f},
        mode("linear"), transform("pytorch_half_pixel"));
  }

  @Test
  void halfPixelSymmetric() {
    check(floats(dims(1, 1, 1, 4), 1, 2, 3, 4), null, scales(1, 1, 1, 0.6f), null, dims(1, 1, 1, 2),
        new float[] {1.6666667f, 3.3333333f}, mode("linear"), transform("half_pixel_symmetric"));
    check(X22, null, scales(1, 1, 2.3f, 2.94f), null, dims(1, 1, 4, 5), new float[] {
        1, 1.15986395f, 1.5f, 1.84013605f, 2, 1.56521738f, 1.72508133f, 2.06521738f, 2.40535343f, 2.56521738f,
        2.43478262f, 2.59464657f, 2.93478262f, 3.27491867f, 3.43478262f, 3, 3.15986395f, 3.5f, 3.84013605f, 4},
        mode("linear"), transform("half_pixel_symmetric"));
  }

  @Test
  void cubicUpsample() {
    check(X44, null, scales(1, 1, 2, 2), null, dims(1, 1, 8, 8), new float[] {
        0.47265625f, 0.76953125f, 1.24609375f, 1.875f, 2.28125f, 2.91015625f, 3.38671875f, 3.68359375f,
        1.66015625f, 1.95703125f, 2.43359375f, 3.0625f, 3.46875f, 4.09765625f, 4.57421875f, 4.87109375f,
        3.56640625f, 3.86328125f, 4.33984375f, 4.96875f, 5.375f, 6.00390625f, 6.48046875f, 6.77734375f,
        6.08203125f, 6.37890625f, 6.85546875f, 7.484375f, 7.890625f, 8.51953125f, 8.99609375f, 9.29296875f,
        7.70703125f, 8.00390625f, 8.48046875f, 9.109375f, 9.515625f, 10.14453125f, 10.62109375f, 10.91796875f,
        10.22265625f, 10.51953125f, 10.99609375f, 11.625f, 12.03125f, 12.66015625f, 13.13671875f, 13.43359375f,
        12.12890625f, 12.42578125f, 12.90234375f, 13.53125f, 13.9375f, 14.56640625f, 15.04296875f,
        15.33984375f, 13.31640625f, 13.61328125f, 14.08984375f, 14.71875f, 15.125f, 15.75390625f, 16.23046875f,
        16.52734375f}, mode("cubic"));
    check(X44, null, scales(1, 1, 2, 2), null, dims(1, 1, 8, 8), new float[] {
        1.f, 1.34110787f, 1.80029155f, 2.32944606f, 2.67055394f, 3.19970845f, 3.65889213f, 4.f, 2.36443149f,
        2.70553936f, 3.16472303f, 3.69387755f, 4.03498542f, 4.56413994f, 5.02332362f, 5.36443149f, 4.20116618f,
        4.54227405f, 5.00145773f, 5.53061224f, 5.87172012f, 6.40087464f, 6.86005831f, 7.20116618f, 6.31778426f,
        6.65889213f, 7.1180758f, 7.64723032f, 7.98833819f, 8.51749271f, 8.97667638f, 9.31778426f, 7.68221574f,
        8.02332362f, 8.48250729f, 9.01166181f, 9.35276968f, 9.8819242f, 10.34110787f, 10.68221574f,
        9.79883382f, 10.13994169f, 10.59912536f, 11.12827988f, 11.46938776f, 11.99854227f, 12.45772595f,
        12.79883382f, 11.63556851f, 11.97667638f, 12.43586006f, 12.96501458f, 13.30612245f, 13.83527697f,
        14.29446064f, 14.63556851f, 13.f, 13.34110787f, 13.80029155f, 14.32944606f, 14.67055394f, 15.19970845f,
        15.65889213f, 16.f}, mode("cubic"), transform("align_corners"));
    check(X44, null, scales(1, 1, 2, 2), null, dims(1, 1, 8, 8), new float[] {
        1.f, 1.40625f, 2.f, 2.5f, 3.f, 3.59375f, 4.f, 4.09375f, 2.625f, 3.03125f, 3.625f, 4.125f, 4.625f,
        5.21875f, 5.625f, 5.71875f, 5.f, 5.40625f, 6.f, 6.5f, 7.f, 7.59375f, 8.f, 8.09375f, 7.f, 7.40625f, 8.f,
        8.5f, 9.f, 9.59375f, 10.f, 10.09375f, 9.f, 9.40625f, 10.f, 10.5f, 11.f, 11.59375f, 12.f, 12.09375f,
        11.375f, 11.78125f, 12.375f, 12.875f, 13.375f, 13.96875f, 14.375f, 14.46875f, 13.f, 13.40625f, 14.f,
        14.5f, 15.f, 15.59375f, 16.f, 16.09375f, 13.375f, 13.78125f, 14.375f, 14.875f, 15.375f, 15.96875f,
        16.375f, 16.46875f}, mode("cubic"), transform("asymmetric"));
    check(X44, null, null, sizes(1, 1, 9, 10), dims(1, 1, 9, 10), new float[] {
        0.45507922f, 0.64057922f, 0.97157922f, 1.42257922f, 1.90732922f, 2.22332922f, 2.70807922f, 3.15907922f,
        3.49007922f, 3.67557922f, 1.39437963f, 1.57987963f, 1.91087963f, 2.36187963f, 2.84662963f, 3.16262963f,
        3.64737963f, 4.09837963f, 4.42937963f, 4.61487963f, 2.95130693f, 3.13680693f, 3.46780693f, 3.91880693f,
        4.40355693f, 4.71955693f, 5.20430693f, 5.65530693f, 5.98630693f, 6.17180693f, 5.20525069f, 5.39075069f,
        5.72175069f, 6.17275069f, 6.65750069f, 6.97350069f, 7.45825069f, 7.90925069f, 8.24025069f, 8.42575069f,
        6.88975f, 7.07525f, 7.40625f, 7.85725f, 8.342f, 8.658f, 9.14275f, 9.59375f, 9.92475f, 10.11025f,
        8.57424931f, 8.75974931f, 9.09074931f, 9.54174931f, 10.02649931f, 10.34249931f, 10.82724931f,
        11.27824931f, 11.60924931f, 11.79474931f, 10.82819307f, 11.01369307f, 11.34469307f, 11.79569307f,
        12.28044307f, 12.59644307f, 13.08119307f, 13.53219307f, 13.86319307f, 14.04869307f, 12.38512037f,
        12.57062037f, 12.90162037f, 13.35262037f, 13.83737037f, 14.15337037f, 14.63812037f, 15.08912037f,
        15.42012037f, 15.60562037f, 13.32442078f, 13.50992078f, 13.84092078f, 14.29192078f, 14.77667078f,
        15.09267078f, 15.57742078f, 16.02842078f, 16.35942078f, 16.54492078f}, mode("cubic"));
  }

  @Test
  void cubicExcludeOutsideWithAMinusHalf() {
    Attribute a = Attribute.ofFloat("cubic_coeff_a", -0.5f);
    Attribute exclude = Attribute.ofInt("exclude_outside", 1);
    check(X44, null, scales(1, 1, 2, 2), null, dims(1, 1, 8, 8), new float[] {
        0.55882353f, 0.81494204f, 1.35698249f, 1.89705882f, 2.39705882f, 2.93713516f, 3.47917561f, 3.73529412f,
        1.58329755f, 1.83941606f, 2.38145651f, 2.92153285f, 3.42153285f, 3.96160918f, 4.50364964f, 4.75976814f,
        3.75145936f, 4.00757787f, 4.54961832f, 5.08969466f, 5.58969466f, 6.12977099f, 6.67181144f, 6.92792995f,
        5.91176471f, 6.16788321f, 6.70992366f, 7.25f, 7.75f, 8.29007634f, 8.83211679f, 9.08823529f,
        7.91176471f, 8.16788321f, 8.70992366f, 9.25f, 9.75f, 10.29007634f, 10.83211679f, 11.08823529f,
        10.07207005f, 10.32818856f, 10.87022901f, 11.41030534f, 11.91030534f, 12.45038168f, 12.99242213f,
        13.24854064f, 12.24023186f, 12.49635036f, 13.03839082f, 13.57846715f, 14.07846715f, 14.61854349f,
        15.16058394f, 15.41670245f, 13.26470588f, 13.52082439f, 14.06286484f, 14.60294118f, 15.10294118f,
        15.64301751f, 16.18505796f, 16.44117647f}, mode("cubic"), a, exclude);
    check(X44, null, scales(1, 1, 0.8f, 0.8f), null, dims(1, 1, 3, 3), new float[] {
        1.36812675f, 2.6695014f, 4.0133367f, 6.57362535f, 7.875f, 9.2188353f, 11.94896657f, 13.25034122f,
        14.59417652f}, mode("cubic"), a, exclude);
  }

  @Test
  void cubicDownsample() {
    check(X44, null, scales(1, 1, 0.8f, 0.8f), null, dims(1, 1, 3, 3), new float[] {
        1.47119141f, 2.78125f, 4.08251953f, 6.71142578f, 8.02148438f, 9.32275391f, 11.91650391f, 13.2265625f,
        14.52783203f}, mode("cubic"));
    check(X44, null, scales(1, 1, 0.8f, 0.8f), null, dims(1, 1, 3, 3), new float[] {
        1, 2.39519159f, 3.79038317f, 6.58076634f, 7.97595793f, 9.37114951f, 12.16153268f, 13.55672427f,
        14.95191585f}, mode("cubic"), transform("align_corners"));
    check(X44, null, null, sizes(1, 1, 3, 3), dims(1, 1, 3, 3), new float[] {
        1.63078704f, 3.00462963f, 4.37847222f, 7.12615741f, 8.5f, 9.87384259f, 12.62152778f, 13.99537037f,
        15.36921296f}, mode("cubic"));
  }

  @Test
  void antialias() {
    Attribute on = Attribute.ofInt("antialias", 1);
    check(X44, null, scales(1, 1, 0.6f, 0.6f), null, dims(1, 1, 2, 2), new float[] {2.875f, 4.5f, 9.375f, 11},
        mode("linear"), on);
    check(X44, null, null, sizes(1, 1, 3, 3), dims(1, 1, 3, 3), new float[] {
        2.3636363f, 3.590909f, 4.818182f, 7.2727275f, 8.5f, 9.727273f, 12.181818f, 13.409091f, 14.636364f},
        mode("linear"), on);
    check(X44, null, scales(1, 1, 0.6f, 0.6f), null, dims(1, 1, 2, 2),
        new float[] {2.5180721f, 4.2858863f, 9.589329f, 11.357142f}, mode("cubic"), on);
    check(X44, null, null, sizes(1, 1, 3, 3), dims(1, 1, 3, 3), new float[] {
        1.7750092f, 3.1200073f, 4.4650054f, 7.1550016f, 8.5f, 9.844998f, 12.534994f, 13.8799925f, 15.224991f},
        mode("cubic"), on);
  }

  @Test
  void tfCropAndResize() {
    float[] crop = {7.6000004f, 7.9f, 8.2f, 8.8f, 9.1f, 9.400001f, 10, 10.3f, 10.6f};
    check(X44, scales(0, 0, 0.4f, 0.6f, 1, 1, 0.6f, 0.8f), null, sizes(1, 1, 3, 3), dims(1, 1, 3, 3), crop,
        mode("linear"), transform("tf_crop_and_resize"));
    check(X44, scales(0, 0, 0.4f, 0.6f, 1, 1, 1.2f, 1.7f), null, sizes(1, 1, 3, 3), dims(1, 1, 3, 3),
        new float[] {7.6000004f, 10, 10, 12.400001f, 10, 10, 10, 10, 10},
        mode("linear"), transform("tf_crop_and_resize"), Attribute.ofFloat("extrapolation_value", 10));
    check(X44, scales(0.4f, 0.6f, 0.6f, 0.8f), null, sizes(3, 3), dims(1, 1, 3, 3), crop,
        mode("linear"), transform("tf_crop_and_resize"), Attribute.ofInts("axes", 2, 3));
    check(X44, scales(0.6f, 0.4f, 0.8f, 0.6f), null, sizes(3, 3), dims(1, 1, 3, 3), crop,
        mode("linear"), transform("tf_crop_and_resize"), Attribute.ofInts("axes", 3, 2));
  }

  @Test
  void axesReorderScalesAndSizes() {
    float[] byScales = {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4};
    check(X22, null, scales(2, 3), null, dims(1, 1, 4, 6), byScales, mode("nearest"), Attribute.ofInts("axes", 2, 3));
    check(X22, null, scales(3, 2), null, dims(1, 1, 4, 6), byScales, mode("nearest"), Attribute.ofInts("axes", 3, 2));
    float[] bySizes = {
        1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2,
        3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4, 4};
    check(X22, null, null, sizes(7, 8), dims(1, 1, 7, 8), bySizes, mode("nearest"), Attribute.ofInts("axes", 2, 3));
    check(X22, null, null, sizes(8, 7), dims(1, 1, 7, 8), bySizes, mode("nearest"), Attribute.ofInts("axes", 3, 2));
  }

  @Test
  void keepAspectRatioPolicies() {
    Attribute axes = Attribute.ofInts("axes", 2, 3);
    check(X22, null, null, sizes(7, 8), dims(1, 1, 7, 7), new float[] {
        1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2,
        3, 3, 3, 3, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4},
        mode("nearest"), axes, Attribute.ofString("keep_aspect_ratio_policy", "not_larger"));
    check(X22, null, null, sizes(7, 8), dims(1, 1, 8, 8), new float[] {
        1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2,
        3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4, 4},
        mode("nearest"), axes, Attribute.ofString("keep_aspect_ratio_policy", "not_smaller"));
    check(X24, null, null, sizes(1, 3), dims(1, 1, 1, 2), new float[] {1, 3},
        mode("nearest"), axes, Attribute.ofString("keep_aspect_ratio_policy", "not_larger"));
    check(X24, null, null, sizes(1, 3), dims(1, 1, 2, 3), new float[] {1, 2, 4, 5, 6, 8},
        mode("nearest"), axes, Attribute.ofString("keep_aspect_ratio_policy", "not_smaller"));
  }
}

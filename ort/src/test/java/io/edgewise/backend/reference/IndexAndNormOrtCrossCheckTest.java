package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.OrtCrossCheck.assertRefAgreesWithOrt;
import static io.edgewise.backend.reference.OrtCrossCheck.c;
import static io.edgewise.backend.reference.OrtCrossCheck.f;
import static io.edgewise.backend.reference.OrtCrossCheck.ints;
import static io.edgewise.backend.reference.OrtCrossCheck.pos;
import static io.edgewise.backend.reference.OrtCrossCheck.s64;

import io.edgewise.backend.reference.OrtCrossCheck.Case;
import io.edgewise.model.Attribute;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LayerNormalization, InstanceNormalization, GroupNormalization, GatherElements, Trilu, CumSum, DepthToSpace,
 * SpaceToDepth, the trigonometric ops, Einsum and NonMaxSuppression of `ref` against ONNX Runtime (an independent
 * implementation) on one-node models with random inputs: the shared ONNX node-test data has none of these ops.
 */
class IndexAndNormOrtCrossCheckTest {
  private static Case multi(String name, String op, long opset, List<Attribute> attrs, int outputs,
      Tensor... inputs) {
    return new Case(name, op, opset, attrs, List.of(inputs), outputs);
  }

  /** n boxes as [y1, x1, y2, x2] (or [xc, yc, w, h]) clustered so that many overlap. */
  private static Tensor boxes(Random r, int batches, int n) {
    float[] v = new float[batches * n * 4];
    for (int i = 0; i < batches * n; i++) {
      float a = r.nextInt(4) * 3 + r.nextFloat();
      float b = r.nextInt(4) * 3 + r.nextFloat();
      v[i * 4] = a;
      v[i * 4 + 1] = b;
      v[i * 4 + 2] = a + 1 + r.nextFloat() * 2;
      v[i * 4 + 3] = b + 1 + r.nextFloat() * 2;
    }
    return Tensor.ofFloats(Shape.of(batches, n, 4), v);
  }

  private static Tensor f32(float v) {
    return Tensor.ofFloats(Shape.of(1), v);
  }

  static Stream<Case> cases() {
    Random r = new Random(11);
    List<Case> cs = new ArrayList<>();
    Tensor x234 = f(r, 2, 3, 4);
    // normalisations
    cs.add(multi("layernorm_last_axis_all_outputs", "LayerNormalization", 17, List.of(), 3, x234, f(r, 4),
        f(r, 4)));
    cs.add(multi("layernorm_axis1_scale_2d", "LayerNormalization", 17, List.of(Attribute.ofInt("axis", 1),
        Attribute.ofFloat("epsilon", 1e-3f)), 3, x234, f(r, 3, 4), f(r, 3, 4)));
    cs.add(c("layernorm_no_bias", "LayerNormalization", 17, List.of(Attribute.ofInt("axis", -2)), x234, f(r, 3, 4)));
    cs.add(c("instancenorm", "InstanceNormalization", 13, List.of(), f(r, 2, 3, 4, 5), f(r, 3), f(r, 3)));
    cs.add(c("instancenorm_1d_epsilon", "InstanceNormalization", 13, List.of(Attribute.ofFloat("epsilon", 0.1f)),
        f(r, 2, 3, 4), f(r, 3), f(r, 3)));
    cs.add(c("groupnorm_opset21", "GroupNormalization", 21, List.of(Attribute.ofInt("num_groups", 3)),
        f(r, 2, 6, 3, 3), f(r, 6), f(r, 6)));
    // index ops
    cs.add(c("gather_elements_axis1", "GatherElements", 13, List.of(Attribute.ofInt("axis", 1)), x234,
        ints(DType.INT64, new long[] {2, 2, 4}, 0, 1, 2, -1, -3, 0, 1, 2, 2, 2, 2, 2, 0, 0, -1, -2)));
    cs.add(c("gather_elements_axis_neg1_int32", "GatherElements", 13, List.of(Attribute.ofInt("axis", -1)),
        x234, ints(DType.INT32, new long[] {2, 3, 1}, 3, 2, 1, 0, -1, -4)));
    cs.add(c("trilu_upper", "Trilu", 14, List.of(), f(r, 2, 4, 5)));
    cs.add(c("trilu_upper_k2", "Trilu", 14, List.of(), f(r, 2, 4, 5), s64(2)));
    cs.add(c("trilu_lower_kneg1", "Trilu", 14, List.of(Attribute.ofInt("upper", 0)), f(r, 5, 4), s64(-1)));
    cs.add(c("trilu_lower_int64", "Trilu", 14, List.of(Attribute.ofInt("upper", 0)),
        ints(DType.INT64, new long[] {3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9)));
    cs.add(c("cumsum_axis1", "CumSum", 14, List.of(), x234, s64(1)));
    cs.add(c("cumsum_exclusive_reverse", "CumSum", 14, List.of(Attribute.ofInt("exclusive", 1),
        Attribute.ofInt("reverse", 1)), x234, s64(-1)));
    cs.add(c("cumsum_int32", "CumSum", 14, List.of(), ints(DType.INT32, new long[] {5}, 1, -2, 3, 4, 5),
        ints(DType.INT32, new long[] {}, 0)));
    Tensor x8 = f(r, 2, 8, 3, 2);
    cs.add(c("depth_to_space_dcr", "DepthToSpace", 13, List.of(Attribute.ofInt("blocksize", 2)), x8));
    cs.add(c("depth_to_space_crd", "DepthToSpace", 13, List.of(Attribute.ofInt("blocksize", 2),
        Attribute.ofString("mode", "CRD")), x8));
    cs.add(c("space_to_depth", "SpaceToDepth", 13, List.of(Attribute.ofInt("blocksize", 3)), f(r, 1, 2, 6, 9)));
    for (String op : List.of("Sin", "Cos", "Tan", "Atan", "Sinh", "Cosh", "Asinh")) {
      cs.add(c(op.toLowerCase(), op, 13, List.of(), f(r, 3, 4)));
    }
    Tensor unit = Tensor.ofFloats(Shape.of(5), -0.9f, -0.3f, 0f, 0.4f, 0.95f);
    for (String op : List.of("Asin", "Acos", "Atanh")) {
      cs.add(c(op.toLowerCase(), op, 13, List.of(), unit));
    }
    cs.add(c("acosh", "Acosh", 13, List.of(), pos(r, 3, 4)));
    // einsum
    cs.add(c("einsum_matmul", "Einsum", 12, List.of(Attribute.ofString("equation", "ij,jk->ik")), f(r, 3, 4),
        f(r, 4, 5)));
    cs.add(c("einsum_batch_matmul", "Einsum", 12, List.of(Attribute.ofString("equation", "bij,bjk->bik")),
        f(r, 2, 3, 4), f(r, 2, 4, 5)));
    cs.add(c("einsum_attention_scores", "Einsum", 12, List.of(Attribute.ofString("equation",
        "bhid,bhjd->bhij")), f(r, 1, 2, 3, 4), f(r, 1, 2, 5, 4)));
    cs.add(c("einsum_transpose", "Einsum", 12, List.of(Attribute.ofString("equation", "ijk->kji")), x234));
    cs.add(c("einsum_ellipsis_transpose", "Einsum", 12, List.of(Attribute.ofString("equation", "...ij->...ji")),
        x234));
    cs.add(c("einsum_sum", "Einsum", 12, List.of(Attribute.ofString("equation", "ijk->j")), x234));
    cs.add(c("einsum_outer", "Einsum", 12, List.of(Attribute.ofString("equation", "i,j->ij")), f(r, 3), f(r, 4)));
    cs.add(c("einsum_implicit_dot", "Einsum", 12, List.of(Attribute.ofString("equation", "i,i")), f(r, 5), f(r, 5)));
    cs.add(c("einsum_implicit_matmul", "Einsum", 12, List.of(Attribute.ofString("equation", "ij,jk")), f(r, 3, 4),
        f(r, 4, 2)));
    cs.add(c("einsum_diagonal", "Einsum", 12, List.of(Attribute.ofString("equation", "ii->i")), f(r, 4, 4)));
    cs.add(c("einsum_bilinear", "Einsum", 12, List.of(Attribute.ofString("equation", "bn,anm,bm->ba")),
        f(r, 2, 3), f(r, 4, 3, 5), f(r, 2, 5)));
    // non-max suppression
    Tensor b = boxes(r, 2, 30);
    Tensor scores = pos(r, 2, 3, 30);
    for (long center : new long[] {0, 1}) {
      cs.add(c("nms_center_point_box_" + center, "NonMaxSuppression", 11,
          List.of(Attribute.ofInt("center_point_box", center)), b, scores, ints(DType.INT64, new long[] {1}, 7),
          f32(0.3f), f32(0.5f)));
    }
    cs.add(c("nms_no_score_threshold", "NonMaxSuppression", 11, List.of(), b, scores,
        ints(DType.INT64, new long[] {1}, 100), f32(0.6f)));
    return cs.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void refAgreesWithOnnxRuntime(Case k) {
    assertRefAgreesWithOrt(k);
  }
}

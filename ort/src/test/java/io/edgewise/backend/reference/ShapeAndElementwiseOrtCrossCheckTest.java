package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.OrtCrossCheck.assertRefAgreesWithOrt;
import static io.edgewise.backend.reference.OrtCrossCheck.c;
import static io.edgewise.backend.reference.OrtCrossCheck.f;
import static io.edgewise.backend.reference.OrtCrossCheck.i64;
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
 * The activation, elementwise, shape and reduction kernels of `ref` against ONNX Runtime (an independent
 * implementation) on one-node models, for the ops and attributes the ONNX node-test data here does not cover.
 */
class ShapeAndElementwiseOrtCrossCheckTest {
  static Stream<Case> cases() {
    Random r = new Random(7);
    List<Case> cs = new ArrayList<>();
    // activations
    cs.add(c("selu", "Selu", 13, List.of(), f(r, 3, 4)));
    cs.add(c("elu", "Elu", 13, List.of(Attribute.ofFloat("alpha", 0.7f)), f(r, 3, 4)));
    cs.add(c("softplus", "Softplus", 13, List.of(), f(r, 3, 4)));
    cs.add(c("softsign", "Softsign", 13, List.of(), f(r, 3, 4)));
    cs.add(c("thresholded_relu", "ThresholdedRelu", 13, List.of(Attribute.ofFloat("alpha", 0.5f)), f(r, 3, 4)));
    cs.add(c("prelu", "PRelu", 16, List.of(), f(r, 2, 3, 4), f(r, 3, 1)));
    cs.add(c("relu_int32", "Relu", 14, List.of(), ints(DType.INT32, new long[] {4}, -5, 0, 7, Integer.MIN_VALUE)));
    cs.add(c("clip_int64", "Clip", 13, List.of(), ints(DType.INT64, new long[] {4}, -5, 0, 7, 100), s64(-2),
        s64(50)));
    cs.add(c("clip_opset6", "Clip", 6, List.of(Attribute.ofFloat("min", -1), Attribute.ofFloat("max", 2)),
        f(r, 3, 4)));
    cs.add(c("softmax_opset11_axis1", "Softmax", 11, List.of(), f(r, 2, 3, 4)));
    cs.add(c("softmax_opset11_axis0", "Softmax", 11, List.of(Attribute.ofInt("axis", 0)), f(r, 2, 3, 4)));
    cs.add(c("logsoftmax_opset11_axis2", "LogSoftmax", 11, List.of(Attribute.ofInt("axis", 2)), f(r, 2, 3, 4)));
    cs.add(c("logsoftmax_opset13_axis1", "LogSoftmax", 13, List.of(Attribute.ofInt("axis", 1)), f(r, 2, 3, 4)));
    cs.add(c("softmax_opset13_default", "Softmax", 13, List.of(), f(r, 2, 3, 4)));
    // elementwise
    cs.add(c("pow", "Pow", 15, List.of(), pos(r, 2, 3), f(r, 3)));
    cs.add(c("pow_float_int", "Pow", 15, List.of(), f(r, 2, 3), ints(DType.INT64, new long[] {3}, 2, 3, 0)));
    cs.add(c("pow_int64", "Pow", 15, List.of(), ints(DType.INT64, new long[] {4}, 3, -2, 7, 2),
        ints(DType.INT64, new long[] {4}, 5, 3, 2, 40)));
    cs.add(c("div_int64_trunc", "Div", 14, List.of(), ints(DType.INT64, new long[] {4}, 7, -7, 7, -7),
        ints(DType.INT64, new long[] {4}, 2, 2, -2, -2)));
    cs.add(c("mod_int_python", "Mod", 13, List.of(), ints(DType.INT32, new long[] {4}, 7, -7, 7, -7),
        ints(DType.INT32, new long[] {4}, 3, 3, -3, -3)));
    cs.add(c("mod_int_fmod", "Mod", 13, List.of(Attribute.ofInt("fmod", 1)),
        ints(DType.INT32, new long[] {4}, 7, -7, 7, -7), ints(DType.INT32, new long[] {4}, 3, 3, -3, -3)));
    cs.add(c("mod_float_fmod", "Mod", 13, List.of(Attribute.ofInt("fmod", 1)), f(r, 2, 3), pos(r, 3)));
    for (String op : List.of("Sqrt", "Log")) {
      cs.add(c(op.toLowerCase(), op, 13, List.of(), pos(r, 2, 3)));
    }
    for (String op : List.of("Exp", "Neg", "Abs", "Reciprocal", "Floor", "Ceil", "Sign", "Round", "Sigmoid",
        "Tanh")) {
      cs.add(c(op.toLowerCase(), op, 13, List.of(), f(r, 2, 3)));
    }
    cs.add(c("abs_int8", "Abs", 13, List.of(), ints(DType.INT8, new long[] {3}, -128, -3, 5)));
    cs.add(c("neg_int32", "Neg", 13, List.of(), ints(DType.INT32, new long[] {3}, -4, 0, 9)));
    for (String op : List.of("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual")) {
      cs.add(c(op.toLowerCase() + "_int64", op, 16, List.of(), ints(DType.INT64, new long[] {2, 3}, 1, 2, 3, 4, 5,
          6), ints(DType.INT64, new long[] {3}, 2, 2, 5)));
      cs.add(c(op.toLowerCase() + "_float", op, 16, List.of(), f(r, 2, 3), f(r, 1, 3)));
    }
    Tensor b1 = ints(DType.BOOL, new long[] {4}, 1, 0, 1, 0);
    Tensor b2 = ints(DType.BOOL, new long[] {2, 1}, 1, 0);
    cs.add(c("and", "And", 7, List.of(), b1, b2));
    cs.add(c("or", "Or", 7, List.of(), b1, b2));
    cs.add(c("xor", "Xor", 7, List.of(), b1, b2));
    cs.add(c("not", "Not", 1, List.of(), b1));
    cs.add(c("where", "Where", 16, List.of(), b2, f(r, 2, 4), f(r, 4)));
    cs.add(c("where_int64", "Where", 16, List.of(), b1, ints(DType.INT64, new long[] {1}, 5),
        ints(DType.INT64, new long[] {4}, 1, 2, 3, 4)));
    cs.add(c("max3", "Max", 13, List.of(), f(r, 2, 3), f(r, 3), f(r, 2, 1)));
    cs.add(c("min_int32", "Min", 13, List.of(), ints(DType.INT32, new long[] {3}, 4, -9, 2),
        ints(DType.INT32, new long[] {1}, 0)));
    cs.add(c("sum3", "Sum", 13, List.of(), f(r, 2, 3), f(r, 3), f(r, 2, 1)));
    cs.add(c("mean3", "Mean", 13, List.of(), f(r, 2, 3), f(r, 3), f(r, 2, 1)));
    cs.add(c("add_int32_wrap", "Add", 14, List.of(), ints(DType.INT32, new long[] {2}, Integer.MAX_VALUE, 1),
        ints(DType.INT32, new long[] {1}, 1)));
    // shape plumbing
    Tensor x234 = f(r, 2, 3, 4);
    cs.add(c("slice_neg_step", "Slice", 13, List.of(), x234, i64(-1, 10), i64(-100, 0), i64(2, 1), i64(-2, -1)));
    cs.add(c("slice_start_oob_neg_step", "Slice", 13, List.of(), x234, i64(-10), i64(-10), i64(2), i64(-1)));
    cs.add(c("slice_large_step", "Slice", 13, List.of(), x234, i64(0), i64(4), i64(-1), i64(Long.MAX_VALUE)));
    cs.add(c("slice_opset9", "Slice", 9, List.of(Attribute.ofInts("starts", 1, 0), Attribute.ofInts("ends", 3, -1),
        Attribute.ofInts("axes", 2, 0)), x234));
    cs.add(c("slice_empty", "Slice", 13, List.of(), x234, i64(3), i64(1), i64(1)));
    cs.add(c("gather_axis1_neg", "Gather", 13, List.of(Attribute.ofInt("axis", 1)), x234,
        ints(DType.INT64, new long[] {2, 2}, 0, -1, 2, 1)));
    cs.add(c("gather_scalar", "Gather", 13, List.of(Attribute.ofInt("axis", -1)), x234, s64(-2)));
    cs.add(c("shape_start_end", "Shape", 15, List.of(Attribute.ofInt("start", -2), Attribute.ofInt("end", 10)),
        x234));
    cs.add(c("shape", "Shape", 13, List.of(), x234));
    cs.add(c("expand", "Expand", 13, List.of(), f(r, 3, 1), i64(2, 1, 4)));
    cs.add(c("tile", "Tile", 13, List.of(), f(r, 2, 3), i64(2, 3)));
    cs.add(c("range_float", "Range", 11, List.of(), Tensor.scalarFloat(1.5f), Tensor.scalarFloat(-2f),
        Tensor.scalarFloat(-0.7f)));
    cs.add(c("range_int64", "Range", 11, List.of(), s64(3), s64(20), s64(4)));
    cs.add(c("constant_of_shape_int32", "ConstantOfShape", 9,
        List.of(Attribute.ofTensor("value", ints(DType.INT32, new long[] {1}, 7))), i64(2, 3)));
    cs.add(c("constant_of_shape_default", "ConstantOfShape", 9, List.of(), i64(3, 0, 2)));
    cs.add(c("squeeze_opset11_attr", "Squeeze", 11, List.of(Attribute.ofInts("axes", -1)), f(r, 2, 3, 1)));
    cs.add(c("squeeze_all", "Squeeze", 13, List.of(), f(r, 1, 3, 1)));
    cs.add(c("unsqueeze_opset11", "Unsqueeze", 11, List.of(Attribute.ofInts("axes", 0, -1)), f(r, 2, 3)));
    cs.add(c("flatten_neg", "Flatten", 13, List.of(Attribute.ofInt("axis", -1)), x234));
    cs.add(c("reshape_allowzero_empty", "Reshape", 14, List.of(Attribute.ofInt("allowzero", 1)),
        f(r, 0, 3), i64(3, 0)));
    cs.add(c("identity_int8", "Identity", 16, List.of(), ints(DType.INT8, new long[] {2}, -1, 5)));
    Tensor casts = Tensor.ofFloats(Shape.of(8), -2.7f, -0.5f, 0f, 0.5f, 1.5f, 2.5f, 100.9f, -100.9f);
    for (DType t : List.of(DType.INT8, DType.UINT8, DType.INT32, DType.INT64, DType.UINT16, DType.BOOL,
        DType.FLOAT64, DType.FLOAT16)) {
      cs.add(c("cast_float_to_" + t, "Cast", 13, List.of(Attribute.ofInt("to", t.onnxCode())), casts));
    }
    Tensor ic = ints(DType.INT64, new long[] {5}, -300, -1, 0, 255, 1L << 40);
    for (DType t : List.of(DType.INT8, DType.UINT8, DType.INT32, DType.UINT32, DType.BOOL, DType.FLOAT32)) {
      cs.add(c("cast_int64_to_" + t, "Cast", 13, List.of(Attribute.ofInt("to", t.onnxCode())), ic));
    }
    cs.add(c("cast_bool_to_float", "Cast", 13, List.of(Attribute.ofInt("to", 1)), b1));
    cs.add(c("castlike", "CastLike", 15, List.of(), casts, ints(DType.INT32, new long[] {1}, 0)));
    Case split = new Case("split_input", "Split", 13, List.of(Attribute.ofInt("axis", 1)), List.of(x234,
        i64(1, 2)), 2);
    cs.add(split);
    cs.add(new Case("split_opset11_attr", "Split", 11, List.of(Attribute.ofInt("axis", -1),
        Attribute.ofInts("split", 3, 1)), List.of(x234), 2));
    cs.add(new Case("split_num_outputs", "Split", 18, List.of(Attribute.ofInt("axis", 1),
        Attribute.ofInt("num_outputs", 2)), List.of(x234), 2));
    cs.add(new Case("split_equal", "Split", 13, List.of(Attribute.ofInt("axis", 2)), List.of(x234), 2));
    // reductions
    for (String op : List.of("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
        "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare")) {
      cs.add(c(op + "_opset13_attr", op, op.equals("ReduceSum") ? 11 : 13, List.of(Attribute.ofInts("axes", 0, -1),
          Attribute.ofInt("keepdims", 0)), x234));
      cs.add(c(op + "_opset18_input", op, 18, List.of(), x234, i64(1)));
      cs.add(c(op + "_all", op, 18, List.of(Attribute.ofInt("keepdims", 0)), x234));
    }
    cs.add(c("reducelogsum", "ReduceLogSum", 18, List.of(), pos(r, 2, 3), i64(-1)));
    // (noop_with_empty_axes without axes is in ShapeOpsTest: ONNX Runtime 1.23 itself fails on it)
    cs.add(c("reducesum_int64", "ReduceSum", 13, List.of(), ints(DType.INT64, new long[] {2, 2}, 1L << 60, 1, 3,
        4), i64(0)));
    cs.add(c("reducemax_int32", "ReduceMax", 18, List.of(), ints(DType.INT32, new long[] {2, 2}, -5, 1, -3, -4),
        i64(1)));
    cs.add(c("argmax", "ArgMax", 13, List.of(Attribute.ofInt("axis", 1)), x234));
    cs.add(c("argmin_last", "ArgMin", 13, List.of(Attribute.ofInt("axis", -1), Attribute.ofInt("keepdims", 0),
        Attribute.ofInt("select_last_index", 1)), ints(DType.INT32, new long[] {2, 3}, 1, 0, 0, 5, 5, 5)));
    return cs.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void refAgreesWithOnnxRuntime(Case k) {
    assertRefAgreesWithOrt(k);
  }
}

package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.ConvTestSupport.assertTensor;
import static io.edgewise.backend.reference.ConvTestSupport.dims;
import static io.edgewise.backend.reference.ConvTestSupport.floats;
import static io.edgewise.backend.reference.ConvTestSupport.node;
import static io.edgewise.backend.reference.ConvTestSupport.run1;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Attribute;
import io.edgewise.model.Node;
import io.edgewise.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Conv, FusedConv and ConvTranspose against values worked out by hand. */
class ConvOpsTest {
  private static final float[] ONE_TO_NINE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

  @Test
  void depthwiseConvUsesOneFilterPerChannel() {
    float[] x = new float[18];
    System.arraycopy(ONE_TO_NINE, 0, x, 0, 9);
    java.util.Arrays.fill(x, 9, 18, 2f);
    // Channel 0: main-diagonal filter (x[i][j] + x[i+1][j+1]); channel 1: box filter over twos.
    Tensor w = floats(dims(2, 1, 2, 2), 1, 0, 0, 1, 1, 1, 1, 1);
    Tensor y = run1(node("", "Conv", 3, 1, Attribute.ofInt("group", 2)), floats(dims(1, 2, 3, 3), x), w,
        floats(dims(2), 0.5f, -1f));
    assertTensor(y, dims(1, 2, 2, 2), 6.5f, 8.5f, 12.5f, 14.5f, 7, 7, 7, 7);
  }

  @Test
  void sameUpperPutsTheOddPadAtTheEndAndSameLowerAtTheBeginning() {
    Tensor x = floats(dims(1, 1, 4), 1, 2, 3, 4);
    Tensor w = floats(dims(1, 1, 3), 1, 1, 1);
    Attribute s2 = Attribute.ofInts("strides", 2);
    assertTensor(run1(node("", "Conv", 2, 1, s2, Attribute.ofString("auto_pad", "SAME_UPPER")), x, w),
        dims(1, 1, 2), 6, 7);
    assertTensor(run1(node("", "Conv", 2, 1, s2, Attribute.ofString("auto_pad", "SAME_LOWER")), x, w),
        dims(1, 1, 2), 3, 9);
  }

  @Test
  void dilatedOneDimensionalConv() {
    Tensor y = run1(node("", "Conv", 2, 1, Attribute.ofInts("dilations", 2)), floats(dims(1, 1, 5), 1, 2, 3, 4, 5),
        floats(dims(1, 1, 2), 1, 10));
    assertTensor(y, dims(1, 1, 3), 31, 42, 53);
  }

  @Test
  void threeDimensionalConv() {
    float[] x = {1, 2, 3, 4, 5, 6, 7, 8};
    float[] ones = {1, 1, 1, 1, 1, 1, 1, 1};
    Tensor y = run1(node("", "Conv", 2, 1), floats(dims(1, 1, 2, 2, 2), x), floats(dims(1, 1, 2, 2, 2), ones));
    assertTensor(y, dims(1, 1, 1, 1, 1), 36);
  }

  @Test
  void fusedConvAddsBiasThenResidualThenActivates() {
    Tensor x = floats(dims(1, 1, 2, 2), 1, -2, 3, -4);
    Tensor w = floats(dims(1, 1, 1, 1), 2);
    Tensor b = floats(dims(1), 1);
    Tensor z = floats(dims(1, 1, 2, 2), 1, 1, 1, 1);
    // conv + B = [3, -3, 7, -7]; + Z = [4, -2, 8, -6]
    assertTensor(run1(fused(), x, w, b, z), dims(1, 1, 2, 2), 4, -2, 8, -6);
    assertTensor(run1(fused(Attribute.ofString("activation", "Relu")), x, w, b, z), dims(1, 1, 2, 2), 4, 0, 8, 0);
    assertTensor(run1(fused(Attribute.ofString("activation", "Clip"), Attribute.ofFloats("activation_params", 0,
        6)), x, w, b, z), dims(1, 1, 2, 2), 4, 0, 6, 0);
    assertTensor(run1(fused(Attribute.ofString("activation", "LeakyRelu"),
        Attribute.ofFloats("activation_params", 0.1f)), x, w, b, z), dims(1, 1, 2, 2), 4, -0.2f, 8, -0.6f);
    // A residual of the output's shape; no bias.
    assertTensor(run1(fused(Attribute.ofString("activation", "Relu")), x, w, null,
        floats(dims(1, 1, 2, 2), 5, 5, 5, 5)), dims(1, 1, 2, 2), 7, 1, 11, 0);
    // HardSwish(4) = 4 * min(1, 4/6 + 0.5) = 4; HardSwish(-2) = -2 * (-2/6 + 0.5) = -1/3.
    assertTensor(run1(fused(Attribute.ofString("activation", "HardSwish")), x, w, b, z), dims(1, 1, 2, 2), 4,
        -1f / 3, 8, 0);
  }

  @Test
  void fusedConvRefusesAnUnknownActivation() {
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> run1(fused(Attribute.ofString("activation",
        "Gelu")), floats(dims(1, 1, 1, 1), 1), floats(dims(1, 1, 1, 1), 1)));
    assertTrue(e.getMessage().contains("node 'n'") && e.getMessage().contains("Gelu"), e.getMessage());
  }

  private static Node fused(Attribute... attrs) {
    return node("io.edgewise", "FusedConv", 4, 1, attrs);
  }

  @Test
  void convTransposeOutputPaddingGrowsTheEnd() {
    Tensor y1 = run1(node("", "ConvTranspose", 2, 1, Attribute.ofInts("strides", 2),
        Attribute.ofInts("output_padding", 1)), floats(dims(1, 1, 2), 1, 2), floats(dims(1, 1, 2), 1, 1));
    assertTensor(y1, dims(1, 1, 5), 1, 1, 2, 2, 0);
    Tensor y2 = run1(node("", "ConvTranspose", 2, 1, Attribute.ofInts("strides", 2, 2),
        Attribute.ofInts("output_padding", 1, 0)), floats(dims(1, 1, 2, 2), 1, 2, 3, 4),
        floats(dims(1, 1, 2, 2), 1, 1, 1, 1));
    assertTensor(y2, dims(1, 1, 5, 4), 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4, 0, 0, 0, 0);
  }

  @Test
  void convTransposeWithGroupsAndPads() {
    // Two groups of one channel each; pads crop one output at each end of the length-4 full result.
    Tensor y = run1(node("", "ConvTranspose", 2, 1, Attribute.ofInt("group", 2), Attribute.ofInts("pads", 1, 1)),
        floats(dims(1, 2, 3), 1, 2, 3, 10, 20, 30), floats(dims(2, 1, 2), 1, 1, 1, -1));
    // Full group 0: [1, 3, 5, 3]; group 1: [10, 10, 10, -30]; cropped to the middle two.
    assertTensor(y, dims(1, 2, 2), 3, 5, 10, 10);
  }

  @Test
  void invalidShapesAndAttributesNameTheNodeAndTheProblem() {
    expectInvalid("channels", node("", "Conv", 2, 1), floats(dims(1, 3, 4, 4), new float[48]),
        floats(dims(2, 2, 3, 3), new float[36]));
    expectInvalid("exceeds the padded input", node("", "Conv", 2, 1), floats(dims(1, 1, 2, 2), 1, 2, 3, 4),
        floats(dims(1, 1, 3, 3), ONE_TO_NINE));
    expectInvalid("rank", node("", "Conv", 2, 1), floats(dims(1, 1, 4), 1, 2, 3, 4),
        floats(dims(1, 1, 3, 3), ONE_TO_NINE));
    expectInvalid("pads", node("", "Conv", 2, 1, Attribute.ofInts("pads", 1, 1)),
        floats(dims(1, 1, 3, 3), ONE_TO_NINE), floats(dims(1, 1, 1, 1), 1));
    expectInvalid("bias", node("", "Conv", 3, 1), floats(dims(1, 1, 3, 3), ONE_TO_NINE),
        floats(dims(1, 1, 1, 1), 1), floats(dims(2), 1, 2));
    expectInvalid("group", node("", "Conv", 2, 1, Attribute.ofInt("group", 2)), floats(dims(1, 2, 1, 1), 1, 2),
        floats(dims(3, 1, 1, 1), 1, 2, 3));
    expectInvalid("kernel_shape", node("", "Conv", 2, 1, Attribute.ofInts("kernel_shape", 2, 2)),
        floats(dims(1, 1, 3, 3), ONE_TO_NINE), floats(dims(1, 1, 1, 1), 1));
    expectInvalid("strides", node("", "Conv", 2, 1, Attribute.ofInts("strides", 0, 1)),
        floats(dims(1, 1, 3, 3), ONE_TO_NINE), floats(dims(1, 1, 1, 1), 1));
    expectInvalid("auto_pad", node("", "Conv", 2, 1, Attribute.ofString("auto_pad", "SAME")),
        floats(dims(1, 1, 3, 3), ONE_TO_NINE), floats(dims(1, 1, 1, 1), 1));
    expectInvalid("channels", node("", "ConvTranspose", 2, 1), floats(dims(1, 2, 3), new float[6]),
        floats(dims(3, 1, 2), new float[6]));
  }

  static void expectInvalid(String fragment, Node node, Tensor... inputs) {
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> run1(node, inputs));
    assertTrue(e.getMessage().contains("node 'n'") && e.getMessage().contains(fragment),
        "message should name the node and '" + fragment + "': " + e.getMessage());
  }
}

package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.ConvTestSupport.assertLongs;
import static io.edgewise.backend.reference.ConvTestSupport.assertTensor;
import static io.edgewise.backend.reference.ConvTestSupport.dims;
import static io.edgewise.backend.reference.ConvTestSupport.floats;
import static io.edgewise.backend.reference.ConvTestSupport.node;
import static io.edgewise.backend.reference.ConvTestSupport.run;
import static io.edgewise.backend.reference.ConvTestSupport.run1;

import io.edgewise.model.Attribute;
import io.edgewise.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** MaxPool and AveragePool edge cases worked out by hand. */
class PoolOpsTest {
  private static final Attribute K2 = Attribute.ofInts("kernel_shape", 2, 2);
  private static final Attribute S2 = Attribute.ofInts("strides", 2, 2);

  @Test
  void ceilModeKeepsThePartialLastWindow() {
    Tensor x = floats(dims(1, 1, 3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertTensor(run1(node("", "MaxPool", 1, 1, K2, S2), x), dims(1, 1, 1, 1), 5);
    assertTensor(run1(node("", "MaxPool", 1, 1, K2, S2, Attribute.ofInt("ceil_mode", 1)), x), dims(1, 1, 2, 2),
        5, 6, 8, 9);
    // Averages of the partial windows divide by the elements they hold: (3+6)/2, (7+8)/2, 9/1.
    assertTensor(run1(node("", "AveragePool", 1, 1, K2, S2, Attribute.ofInt("ceil_mode", 1)), x),
        dims(1, 1, 2, 2), 3, 4.5f, 7.5f, 9);
  }

  @Test
  void countIncludePadCountsPaddingButNotTheCeilOverhang() {
    Tensor x = floats(dims(1, 1, 2, 2), 1, 2, 3, 4);
    Attribute pads = Attribute.ofInts("pads", 1, 1, 1, 1);
    assertTensor(run1(node("", "AveragePool", 1, 1, K2, pads), x), dims(1, 1, 3, 3),
        1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4);
    assertTensor(run1(node("", "AveragePool", 1, 1, K2, pads, Attribute.ofInt("count_include_pad", 1)), x),
        dims(1, 1, 3, 3), 0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1);
    // 1-D, kernel 2, stride 2, ceil_mode: the second window [3, overhang] averages over 1 element (as PyTorch).
    assertTensor(run1(node("", "AveragePool", 1, 1, Attribute.ofInts("kernel_shape", 2), Attribute.ofInts("strides",
        2), Attribute.ofInt("ceil_mode", 1), Attribute.ofInt("count_include_pad", 1)), floats(dims(1, 1, 3), 1, 2, 3)),
        dims(1, 1, 2), 1.5f, 3);
  }

  @Test
  void maxPoolIndicesInRowAndColumnMajorOrder() {
    // [[1, 5, 2], [4, 3, 6]] (H=2, W=3): windows over columns 0-1 and 1-2 peak at (0,1) and (1,2).
    Tensor x = floats(dims(1, 1, 2, 3), 1, 5, 2, 4, 3, 6);
    Tensor[] rowMajor = run(node("", "MaxPool", 1, 2, K2), 22, x);
    assertTensor(rowMajor[0], dims(1, 1, 1, 2), 5, 6);
    assertLongs(rowMajor[1], dims(1, 1, 1, 2), 1, 5);
    Tensor[] colMajor = run(node("", "MaxPool", 1, 2, K2, Attribute.ofInt("storage_order", 1)), 22, x);
    // Column major: w * H + h.
    assertLongs(colMajor[1], dims(1, 1, 1, 2), 2, 5);
    // Indices are flat over the whole tensor: the second image's plane starts at 6.
    Tensor two = floats(dims(2, 1, 2, 3), 1, 5, 2, 4, 3, 6, 0, 0, 9, 0, 0, 0);
    assertLongs(run(node("", "MaxPool", 1, 2, K2), 22, two)[1], dims(2, 1, 1, 2), 1, 5, 6, 8);
  }

  @Test
  void globalPoolsReduceEverySpatialAxis() {
    Tensor x = floats(dims(1, 2, 2, 2), 1, 2, 3, 4, -1, -2, -3, -4);
    assertTensor(run1(node("", "GlobalAveragePool", 1, 1), x), dims(1, 2, 1, 1), 2.5f, -2.5f);
    assertTensor(run1(node("", "GlobalMaxPool", 1, 1), x), dims(1, 2, 1, 1), 4, -1);
  }

  @Test
  void badPoolAttributesAreRefused() {
    Tensor x = floats(dims(1, 1, 2, 2), 1, 2, 3, 4);
    ConvOpsTest.expectInvalid("kernel_shape", node("", "MaxPool", 1, 1), x);
    ConvOpsTest.expectInvalid("kernel_shape must give 2 sizes",
        node("", "MaxPool", 1, 1, Attribute.ofInts("kernel_shape", 2)), x);
    ConvOpsTest.expectInvalid("exceeds the padded input",
        node("", "AveragePool", 1, 1, Attribute.ofInts("kernel_shape", 3, 3)), x);
    ConvOpsTest.expectInvalid("storage_order", node("", "MaxPool", 1, 1, K2, Attribute.ofInt("storage_order", 2)),
        x);
  }
}

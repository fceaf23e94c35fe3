package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.ConvTestSupport.assertTensor;
import static io.edgewise.backend.reference.ConvTestSupport.dims;
import static io.edgewise.backend.reference.ConvTestSupport.floats;
import static io.edgewise.backend.reference.ConvTestSupport.node;
import static io.edgewise.backend.reference.ConvTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Attribute;
import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** LayerNormalization, InstanceNormalization and GroupNormalization worked out by hand. */
class NormKernelsTest {
  // rows (1, 3) and (2, 4, 6): means 2 and 4, biased variances 1 and 8/3
  private static final float INV1 = (float) (1 / Math.sqrt(1 + 1e-5));
  private static final float INV2 = (float) (1 / Math.sqrt(8.0 / 3 + 1e-5));

  @Test
  void layerNormalizesTheTrailingDimsAndReturnsItsStatistics() {
    Tensor x = floats(dims(2, 2), 1, 3, 2, 6);
    Tensor scale = floats(dims(2), 1, 2);
    Tensor bias = floats(dims(2), 0, 10);
    Node n = node("", "LayerNormalization", 3, 3);
    Tensor[] out = run(n, 17, x, scale, bias);
    // row 0: mean 2, var 1 -> (-1, 1) * (1, 2) + (0, 10); row 1: mean 4, var 4 -> (-1, 1)
    float a = (float) (1 / Math.sqrt(1 + 1e-5));
    float b = (float) (1 / Math.sqrt(4 + 1e-5));
    assertTensor(out[0], dims(2, 2), -a, 2 * a + 10, -2 * b, 2 * 2 * b + 10);
    assertTensor(out[1], dims(2, 1), 2, 4);
    assertTensor(out[2], dims(2, 1), a, b);
    assertEquals(DType.FLOAT32, out[1].dtype());
  }

  @Test
  void layerNormOverSeveralAxesBroadcastsScaleAndSkipsUnaskedOutputs() {
    // axis 0 over a [2, 3] tensor: one row of 6; scale [3] broadcasts along the first axis; B omitted
    Tensor x = floats(dims(2, 3), 1, 2, 3, 4, 5, 6);
    Node n = node("", "LayerNormalization", 2, 1, Attribute.ofInt("axis", 0), Attribute.ofFloat("epsilon", 0));
    Tensor[] out = run(n, 17, x, floats(dims(3), 1, 1, 2));
    double sd = Math.sqrt(17.5 / 6);  // variance of 1..6
    float[] want = new float[6];
    for (int i = 0; i < 6; i++) {
      want[i] = (float) ((i + 1 - 3.5) / sd * (i % 3 == 2 ? 2 : 1));
    }
    assertTensor(out[0], dims(2, 3), want);
    assertNull(out[1]);
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> run(node("", "LayerNormalization", 2, 1),
        17, x, floats(dims(2), 1, 1)));
    assertTrue(e.getMessage().contains("Scale"), e.getMessage());
  }

  @Test
  void instanceNormalizesEachChannelOfEachImage() {
    // [1, 2, 3]: channel 0 = 1, 2, 3 (mean 2, var 2/3), channel 1 = 2, 4, 6 (mean 4, var 8/3)
    Tensor x = floats(dims(1, 2, 3), 1, 2, 3, 2, 4, 6);
    Tensor y = run(node("", "InstanceNormalization", 3, 1), 13, x, floats(dims(2), 1, 2),
        floats(dims(2), 0, 1))[0];
    float i0 = (float) (1 / Math.sqrt(2.0 / 3 + 1e-5));
    assertTensor(y, dims(1, 2, 3), -i0, 0, i0, -2 * 2 * INV2 + 1, 1, 2 * 2 * INV2 + 1);
  }

  @Test
  void groupNormScalesPerChannelFromOpset21AndPerGroupBefore() {
    // [1, 4, 1]: groups of two channels (1, 3) and (2, 6) -> means 2 and 4, variances 1 and 4
    Tensor x = floats(dims(1, 4, 1), 1, 3, 2, 6);
    float b = (float) (1 / Math.sqrt(4 + 1e-5));
    Node n = node("", "GroupNormalization", 3, 1, Attribute.ofInt("num_groups", 2));
    Tensor y21 = run(n, 21, x, floats(dims(4), 1, 2, 3, 4), floats(dims(4), 0, 0, 0, 1))[0];
    assertTensor(y21, dims(1, 4, 1), -INV1, 2 * INV1, -3 * 2 * b, 4 * 2 * b + 1);
    Tensor y18 = run(n, 18, x, floats(dims(2), 1, 3), floats(dims(2), 0, 1))[0];
    assertTensor(y18, dims(1, 4, 1), -INV1, INV1, -3 * 2 * b + 1, 3 * 2 * b + 1);
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> run(node("", "GroupNormalization", 3, 1,
        Attribute.ofInt("num_groups", 3)), 21, x, floats(dims(4), 1, 1, 1, 1), floats(dims(4), 0, 0, 0, 0)));
    assertTrue(e.getMessage().contains("num_groups"), e.getMessage());
  }
}

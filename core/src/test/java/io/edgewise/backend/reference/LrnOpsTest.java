package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.ConvTestSupport.assertTensor;
import static io.edgewise.backend.reference.ConvTestSupport.dims;
import static io.edgewise.backend.reference.ConvTestSupport.floats;
import static io.edgewise.backend.reference.ConvTestSupport.node;
import static io.edgewise.backend.reference.ConvTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Attribute;
import io.edgewise.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** LRN worked out by hand (the ONNX definition: a window of channels clipped at the edges). */
class LrnOpsTest {
  @Test
  void eachChannelIsDividedByItsWindowsSumOfSquares() {
    // x [1, 4, 1, 1] = 1, 2, 3, 4; size 3 (one channel each side), alpha 3 (alpha / size = 1), beta 1, bias 1:
    // sums of squares 1+4 = 5, 1+4+9 = 14, 4+9+16 = 29, 9+16 = 25 -> y = 1/6, 2/15, 3/30, 4/26
    Tensor x = floats(dims(1, 4, 1, 1), 1, 2, 3, 4);
    Tensor y = run(node("", "LRN", 1, 1, Attribute.ofInt("size", 3), Attribute.ofFloat("alpha", 3),
        Attribute.ofFloat("beta", 1), Attribute.ofFloat("bias", 1)), 13, x)[0];
    assertTensor(y, dims(1, 4, 1, 1), 1f / 6, 2f / 15, 3f / 30, 4f / 26);
  }

  @Test
  void anEvenSizeReachesOneChannelFurtherAfterThanBefore() {
    // size 2: window [c, c + 1] (floor(1/2) = 0 before, ceil(1/2) = 1 after); alpha 2 (alpha / size = 1), beta 0.5,
    // bias 0, two pixels: channel 0 = (1, 2), channel 1 = (3, 4)
    Tensor x = floats(dims(1, 2, 1, 2), 1, 2, 3, 4);
    Tensor y = run(node("", "LRN", 1, 1, Attribute.ofInt("size", 2), Attribute.ofFloat("alpha", 2),
        Attribute.ofFloat("beta", 0.5f), Attribute.ofFloat("bias", 0)), 13, x)[0];
    assertTensor(y, dims(1, 2, 1, 2), (float) (1 / Math.sqrt(10)), (float) (2 / Math.sqrt(20)),
        (float) (3 / Math.sqrt(9)), (float) (4 / Math.sqrt(16)));
  }

  @Test
  void aMissingSizeIsAClearError() {
    EdgewiseException e = assertThrows(EdgewiseException.class,
        () -> run(node("", "LRN", 1, 1), 13, floats(dims(1, 1, 1, 1), 1)));
    assertTrue(e.getMessage().contains("size"), e.getMessage());
  }
}

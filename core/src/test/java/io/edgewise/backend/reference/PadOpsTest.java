package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.ConvTestSupport.assertLongs;
import static io.edgewise.backend.reference.ConvTestSupport.assertTensor;
import static io.edgewise.backend.reference.ConvTestSupport.dims;
import static io.edgewise.backend.reference.ConvTestSupport.floats;
import static io.edgewise.backend.reference.ConvTestSupport.node;
import static io.edgewise.backend.reference.ConvTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Attribute;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Pad worked out by hand: the four modes, large and negative pads, attribute and input forms, axes. */
class PadOpsTest {
  private static Tensor pads(long... p) {
    return Tensor.ofLongs(DType.INT64, Shape.of(p.length), p);
  }

  private static Tensor pad(int opset, String mode, Tensor... in) {
    return run(node("", "Pad", in.length, 1, Attribute.ofString("mode", mode)), opset, in)[0];
  }

  @Test
  void reflectRepeatsWithoutTheEdgeEvenPastTheAxisLength() {
    // numpy.pad([1, 2, 3], (2, 3), 'reflect') = [3, 2, 1, 2, 3, 2, 1, 2]
    assertTensor(pad(13, "reflect", floats(dims(3), 1, 2, 3), pads(2, 3)), dims(8), 3, 2, 1, 2, 3, 2, 1, 2);
    // A 2x2 block: reflecting a length-2 axis alternates its two rows/columns.
    assertTensor(pad(13, "reflect", floats(dims(2, 2), 1, 2, 3, 4), pads(1, 1, 1, 1)), dims(4, 4),
        4, 3, 4, 3, 2, 1, 2, 1, 4, 3, 4, 3, 2, 1, 2, 1);
  }

  @Test
  void wrapAndEdge() {
    assertTensor(pad(19, "wrap", floats(dims(3), 1, 2, 3), pads(2, 4)), dims(9), 2, 3, 1, 2, 3, 1, 2, 3, 1);
    assertTensor(pad(13, "edge", floats(dims(3), 1, 2, 3), pads(1, 2)), dims(6), 1, 1, 2, 3, 3, 3);
  }

  @Test
  void negativePadsCropBeforeTheModePads() {
    // [1, 2, 3, 4] cropped by one in front is [2, 3, 4]; wrapping that appends 2, 3 (not 1, 2).
    assertTensor(pad(19, "wrap", floats(dims(4), 1, 2, 3, 4), pads(-1, 2)), dims(5), 2, 3, 4, 2, 3);
    assertTensor(pad(13, "constant", floats(dims(4), 1, 2, 3, 4), pads(1, -2), Tensor.scalarFloat(9)), dims(3),
        9, 1, 2);
    assertTensor(pad(13, "reflect", floats(dims(4), 1, 2, 3, 4), pads(-2, 2)), dims(4), 3, 4, 3, 4);
  }

  @Test
  void attributeFormsBeforeOpset11() {
    Tensor x = floats(dims(2), 1, 2);
    assertTensor(run(node("", "Pad", 1, 1, Attribute.ofInts("pads", 1, 1), Attribute.ofFloat("value", 5.5f)), 2,
        x)[0], dims(4), 5.5f, 1, 2, 5.5f);
    assertTensor(run(node("", "Pad", 1, 1, Attribute.ofInts("paddings", 0, 2)), 1, x)[0], dims(4), 1, 2, 0, 0);
  }

  @Test
  void axesInputPadsOnlyTheListedAxes() {
    Tensor x = floats(dims(2, 2), 1, 2, 3, 4);
    Tensor y = pad(18, "constant", x, pads(1, 0), Tensor.scalarFloat(7), Tensor.ofLongs(DType.INT64, Shape.of(1), -1));
    assertTensor(y, dims(2, 3), 7, 1, 2, 7, 3, 4);
  }

  @Test
  void integersStayExact() {
    long big = (1L << 60) + 1;
    Tensor x = Tensor.ofLongs(DType.INT64, Shape.of(2), big, -big);
    Tensor value = Tensor.ofLongs(DType.INT64, Shape.of(), big + 2);
    assertLongs(pad(13, "constant", x, pads(1, 1), value), dims(4), big + 2, big, -big, big + 2);
    assertLongs(pad(13, "edge", x, pads(0, 2)), dims(4), big, -big, -big, -big);
  }

  @Test
  void badPadsNameTheNodeAndTheProblem() {
    Tensor x = floats(dims(2, 2), 1, 2, 3, 4);
    assertBad("pads has 2 entries", () -> pad(13, "constant", x, pads(1, 1)));
    assertBad("below zero", () -> pad(13, "constant", x, pads(0, -3, 0, 0)));
    assertBad("no input elements", () -> pad(13, "wrap", x, pads(0, -2, 1, 1)));
    assertBad("mode = 'mirror'", () -> pad(13, "mirror", x, pads(0, 0, 0, 0)));
    assertBad("twice", () -> pad(18, "constant", x, pads(1, 1, 1, 1), null, Tensor.ofLongs(DType.INT64,
        Shape.of(2), 1, -1)));
    assertBad("out of range", () -> pad(18, "constant", x, pads(1, 1), null, Tensor.ofLongs(DType.INT64,
        Shape.of(1), 2)));
    assertBad("out of range", () -> pad(13, "constant", x, pads(Long.MIN_VALUE, 0, 0, 0)));
    assertBad("too large", () -> pad(13, "constant", x, pads(1 << 30, 1 << 30, 1 << 30, 1 << 30)));
    assertBad("attribute pads is required", () -> run(node("", "Pad", 1, 1), 2, x));
  }

  static void assertBad(String fragment, Runnable r) {
    EdgewiseException e = assertThrows(EdgewiseException.class, r::run);
    assertTrue(e.getMessage().contains("node 'n'") && e.getMessage().contains(fragment), e.getMessage());
  }
}

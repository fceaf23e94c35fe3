package io.edgewise.backend.reference;

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
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** BatchNormalization worked out by hand: inference, training-mode running statistics, old-opset forms. */
class BatchNormOpsTest {
  private static final Attribute EPS0 = Attribute.ofFloat("epsilon", 0);

  private static Tensor vec(float... v) {
    return floats(dims(v.length), v);
  }

  @Test
  void inferenceUsesTheGivenStatisticsPerChannel() {
    // x [1, 2, 1, 2]: channel 0 = [1, 2], channel 1 = [3, 4]; sd 0.5 for both.
    Tensor x = floats(dims(1, 2, 1, 2), 1, 2, 3, 4);
    Tensor y = run(node("", "BatchNormalization", 5, 1, EPS0), 15,
        x, vec(1, 2), vec(0, 1), vec(1.5f, 3.5f), vec(0.25f, 0.25f))[0];
    // channel 0: (1 - 1.5) / 0.5 = -1, 1; channel 1: 2 * (-1) + 1 = -1, 2 * 1 + 1 = 3
    assertTensor(y, dims(1, 2, 1, 2), -1, 1, -1, 3);
  }

  @Test
  void trainingModeNormalisesWithBatchStatsAndBlendsTheBiasedVariance() {
    // N=2, C=1, L=2: values 1, 2, 3, 6 -> mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5.
    Tensor x = floats(dims(2, 1, 2), 1, 2, 3, 6);
    Tensor[] out = run(node("", "BatchNormalization", 5, 3, EPS0, Attribute.ofInt("training_mode", 1)), 15,
        x, vec(1), vec(0), vec(1), vec(2));
    double sd = Math.sqrt(3.5);
    assertTensor(out[0], dims(2, 1, 2), (float) (-2 / sd), (float) (-1 / sd), 0, (float) (3 / sd));
    // running = input * 0.9 + batch * 0.1: mean 0.9 + 0.3 = 1.2; var 1.8 + 0.35 = 2.15 (unbiased would be 2.2667)
    assertTensor(out[1], dims(1), 1.2f);
    assertTensor(out[2], dims(1), 2.15f);

    Tensor[] momentum = run(node("", "BatchNormalization", 5, 3, EPS0, Attribute.ofInt("training_mode", 1),
        Attribute.ofFloat("momentum", 0.5f)), 15, x, vec(1), vec(0), vec(1), vec(2));
    assertTensor(momentum[1], dims(1), 2);
    assertTensor(momentum[2], dims(1), 2.75f);
  }

  @Test
  void optionalOutputsOnlyWhenAsked() {
    Tensor x = floats(dims(2, 1, 2), 1, 2, 3, 6);
    Tensor[] out = run(node("", "BatchNormalization", 5, 1, EPS0, Attribute.ofInt("training_mode", 1)), 15,
        x, vec(1), vec(0), vec(1), vec(2));
    assertEquals(1, Arrays.stream(out).filter(t -> t != null).count());
    assertTensor(out[0], dims(2, 1, 2), (float) (-2 / Math.sqrt(3.5)), (float) (-1 / Math.sqrt(3.5)), 0,
        (float) (3 / Math.sqrt(3.5)));
  }

  @Test
  void olderOpsetsChooseTrainingByOutputsOrIsTest() {
    Tensor x = floats(dims(2, 1, 2), 1, 2, 3, 6);
    Tensor[] in = {x, vec(1), vec(0), vec(3), vec(3.5f)};
    float[] batch = {(float) (-2 / Math.sqrt(3.5)), (float) (-1 / Math.sqrt(3.5)), 0, (float) (3 / Math.sqrt(3.5))};
    // Opset 9 with only Y: inference with the given statistics (which here equal the batch's).
    assertTensor(run(node("", "BatchNormalization", 5, 1, EPS0), 9, in)[0], dims(2, 1, 2), batch);
    Tensor[] given = {x, vec(1), vec(0), vec(0), vec(1)};
    assertTensor(run(node("", "BatchNormalization", 5, 1, EPS0), 9, given)[0], dims(2, 1, 2), 1, 2, 3, 6);
    // Opset 9 asking for the running statistics: training (Output case #1 of the spec), saved stats = batch.
    Tensor[] five = run(node("", "BatchNormalization", 5, 5, EPS0), 9, given);
    assertTensor(five[0], dims(2, 1, 2), batch);
    assertTensor(five[1], dims(1), 0.3f);
    assertTensor(five[2], dims(1), 0.9f + 0.35f);
    assertTensor(five[3], dims(1), 3);
    assertTensor(five[4], dims(1), 3.5f);
    // Opset 6: is_test decides, and its default 0 means training.
    assertTensor(run(node("", "BatchNormalization", 5, 1, EPS0), 6, given)[0], dims(2, 1, 2), batch);
    assertTensor(run(node("", "BatchNormalization", 5, 1, EPS0, Attribute.ofInt("is_test", 1)), 6, given)[0],
        dims(2, 1, 2), 1, 2, 3, 6);
  }

  @Test
  void spatialZeroHasStatisticsPerActivation() {
    // x [1, 2, 2], statistics shaped [2, 2]: each element has its own mean and variance.
    Tensor x = floats(dims(1, 2, 2), 2, 4, 6, 8);
    Tensor stat = floats(dims(2, 2), 1, 1, 1, 1);
    Tensor y = run(node("", "BatchNormalization", 5, 1, EPS0, Attribute.ofInt("spatial", 0)), 7,
        x, stat, floats(dims(2, 2), 0, 0, 0, 0), floats(dims(2, 2), 1, 2, 3, 4), floats(dims(2, 2), 1, 4, 9, 16))[0];
    assertTensor(y, dims(1, 2, 2), 1, 1, 1, 1);
  }

  @Test
  void badShapesNameTheInput() {
    Tensor x = floats(dims(1, 2, 2), 1, 2, 3, 4);
    assertBad("scale", () -> run(node("", "BatchNormalization", 5, 1), 15,
        x, vec(1, 2, 3), vec(0, 0), vec(0, 0), vec(1, 1)));
    assertBad("input_var", () -> run(node("", "BatchNormalization", 5, 1), 15,
        x, vec(1, 1), vec(0, 0), vec(0, 0), vec(1)));
    assertBad("at least 2-D", () -> run(node("", "BatchNormalization", 5, 1), 15,
        vec(1, 2), vec(1), vec(0), vec(0), vec(1)));
    assertBad("input[4] is required", () -> run(node("", "BatchNormalization", 5, 1), 15,
        x, vec(1, 1), vec(0, 0), vec(0, 0), null));
  }

  @Test
  void otherChannelLayoutsAndDoubles() {
    // x [2, 3] (no spatial axes), float64: channel c of both rows uses stat c.
    Tensor x = Tensor.ofDoubles(DType.FLOAT64, Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
    Tensor y = run(node("", "BatchNormalization", 5, 1, EPS0), 15, x, vec(1, 1, 2), vec(0, 1, 0),
        vec(0, 0, 0), vec(1, 4, 1))[0];
    assertEquals(DType.FLOAT64, y.dtype());
    assertTensor(y, dims(2, 3), 1, 2, 6, 4, 3.5f, 12);
  }
}

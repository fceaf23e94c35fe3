package io.edgewise.serve.dystri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import org.junit.jupiter.api.Test;

/** The prediction-error tail: nearest-rank quantile over a sliding window, hand-computed. */
class ErrorTailTest {
  @Test
  void noTailUntilEnoughErrorsThenTheNearestRankQuantile() {
    ErrorTail t = new ErrorTail(10, 0.9, 5);
    for (int i = 1; i <= 4; i++) {
      t.observe(i);
    }
    assertTrue(Double.isNaN(t.tailMs()));
    t.observe(5);
    // {1..5}: rank ceil(0.9 x 5) = 5 -> 5
    assertEquals(5, t.tailMs(), 1e-9);
    for (int i = 6; i <= 10; i++) {
      t.observe(i);
    }
    // {1..10}: rank ceil(0.9 x 10) = 9 -> 9
    assertEquals(9, t.tailMs(), 1e-9);
  }

  @Test
  void theWindowForgetsOldErrors() {
    ErrorTail t = new ErrorTail(4, 0.5, 2);
    t.observe(100);
    t.observe(100);
    t.observe(1);
    t.observe(2);
    // {1, 2, 100, 100}: rank 2 -> 2
    assertEquals(2, t.tailMs(), 1e-9);
    t.observe(3);
    t.observe(4);
    // the two 100s are gone: {1, 2, 3, 4}: rank 2 -> 2; then {3, 4, 5, 6}: rank 2 -> 4
    assertEquals(2, t.tailMs(), 1e-9);
    t.observe(5);
    t.observe(6);
    assertEquals(4, t.tailMs(), 1e-9);
  }

  @Test
  void predictionsThatRunEarlyGiveNoMargin() {
    ErrorTail t = new ErrorTail(3, 1.0, 1);
    t.observe(-5);
    t.observe(-2);
    assertEquals(0, t.tailMs(), 1e-9);
  }

  @Test
  void badSettingsAreRefused() {
    assertThrows(EdgewiseException.class, () -> new ErrorTail(0, 0.9, 1));
    assertThrows(EdgewiseException.class, () -> new ErrorTail(10, 0, 1));
    assertThrows(EdgewiseException.class, () -> new ErrorTail(10, 0.9, 11));
  }
}

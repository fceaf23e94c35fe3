package io.edgewise.adapt.cosched;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import org.junit.jupiter.api.Test;

/** The arrival estimator both learned policies use: rates, shares and the mean gap worked out by hand. */
class ArrivalWindowTest {
  @Test
  void ratesSharesAndGapOverTheWindow() {
    ArrivalWindow w = new ArrivalWindow(2, 4);
    assertArrayEquals(new double[] {0.5, 0.5}, w.shares(), 1e-12);  // before any arrival
    assertTrue(Double.isNaN(w.meanGapMs()));
    w.arrived(0, 0);
    w.arrived(1, Double.NaN);  // no decision time: not counted
    assertEquals(1, w.size());
    assertNull(w.ratesPerMs(1));  // one arrival: no gap yet
    w.arrived(0, 10);
    w.arrived(1, 30);
    // 3 arrivals over 30 ms: 2 gaps of 15 ms; shares 2/3 and 1/3; rates 2/3 / 15 and 1/3 / 15 per ms
    assertEquals(15, w.meanGapMs(), 1e-12);
    assertArrayEquals(new double[] {2 / 45.0, 1 / 45.0}, w.ratesPerMs(3), 1e-12);
    assertNull(w.ratesPerMs(4));
    w.arrived(1, 40);
    w.arrived(1, 70);
    // the window holds the last 4: at 10 (model 0), 30, 40, 70 (model 1): 3 gaps over 60 ms
    assertEquals(20, w.meanGapMs(), 1e-12);
    assertArrayEquals(new double[] {0.25, 0.75}, w.shares(), 1e-12);
    assertArrayEquals(new double[] {0.25 / 20, 0.75 / 20}, w.ratesPerMs(4), 1e-12);
  }

  @Test
  void allAtOneTimeHasNoRate() {
    ArrivalWindow w = new ArrivalWindow(1, 3);
    w.arrived(0, 5);
    w.arrived(0, 5);
    assertTrue(Double.isNaN(w.meanGapMs()));
    assertNull(w.ratesPerMs(2));
    assertThrows(EdgewiseException.class, () -> new ArrivalWindow(1, 1));
  }
}

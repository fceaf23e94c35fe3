package io.edgewise.backend.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The per-shape folds: bounded, and an entry evicted or closed under a run stays open until that run releases it. */
class ShapeFoldsTest {
  private static ShapeFolds.Entry entry(Tensor value) {
    ShapeFolds.Entry e = new ShapeFolds.Entry(1);
    e.values.put("v", value);
    e.skip[0] = true;
    return e;
  }

  @Test
  void keepsTheMostRecentlyUsedShapesAndClosesTheEvictedOnesValues() {
    try (ShapeFolds folds = new ShapeFolds()) {
      Tensor first = Tensor.scalarLong(0);
      folds.publish(0, entry(first));
      for (int key = 1; key <= ShapeFolds.SHAPES; key++) {
        folds.publish(key, entry(Tensor.scalarLong(key)));
      }
      assertEquals(ShapeFolds.SHAPES, folds.size());
      assertNull(folds.acquire(0), "the least recently used shape was evicted");
      assertTrue(first.isClosed());
      ShapeFolds.Entry last = folds.acquire(ShapeFolds.SHAPES);
      assertNotNull(last);
      folds.release(last);
    }
  }

  @Test
  void anEntryEvictedWhileARunHoldsItClosesWhenTheRunReleasesIt() {
    ShapeFolds folds = new ShapeFolds();
    Tensor held = Tensor.scalarLong(7);
    folds.publish("a", entry(held));
    ShapeFolds.Entry inUse = folds.acquire("a");
    folds.close();
    assertFalse(held.isClosed(), "closed under a run that reads it");
    assertNull(folds.acquire("a"));
    folds.release(inUse);
    assertTrue(held.isClosed());
  }

  @Test
  void aSecondCaptureOfTheSameShapeIsClosedAndTheFirstKept() {
    try (ShapeFolds folds = new ShapeFolds()) {
      Tensor kept = Tensor.scalarLong(1);
      Tensor duplicate = Tensor.scalarLong(1);
      ShapeFolds.Entry a = entry(kept);
      folds.publish("k", a);
      folds.publish("k", entry(duplicate));
      assertTrue(duplicate.isClosed());
      ShapeFolds.Entry got = folds.acquire("k");
      assertSame(a, got);
      folds.release(got);
      assertFalse(kept.isClosed());
    }
  }
}

package io.edgewise.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.nativecore.NativeCore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Zero-copy views ({@link Tensor#view}): the same memory under another shape, released only when the last tensor
 * over it closes, so a view outlives the tensor it was made of and its memory never goes back to a pool (to be
 * handed to another tensor) while the view still reads it.
 */
@ExtendWith(NativeLeakGuard.class)
class TensorViewTest {
  @Test
  void aViewSharesTheMemoryAndOutlivesItsProducer() {
    long before = NativeCore.allocatedBytes();
    Tensor x = Tensor.ofFloats(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
    Tensor v = x.view(Shape.of(3, 2));
    assertEquals(x.nativeAddress(), v.nativeAddress());
    assertTrue(x.sharesMemory() && v.sharesMemory());
    x.close();
    assertTrue(x.isClosed());
    assertFalse(v.isClosed());
    assertFalse(v.sharesMemory(), "the producer is closed: the view is the only owner left");
    assertEquals(before + 24, NativeCore.allocatedBytes(), "the memory lives on in the view");
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, v.toFloatArray());
    assertEquals(Shape.of(3, 2), v.shape());
    x.close();  // a second close of the producer does not release the view's memory
    assertEquals(5f, v.getFloat(4));
    v.close();
    assertEquals(before, NativeCore.allocatedBytes());
    assertThrows(EdgewiseException.class, () -> x.view(Shape.of(6)), "a view of a closed tensor");
  }

  @Test
  void aViewMustKeepTheElementCount() {
    try (Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(2, 3))) {
      assertThrows(EdgewiseException.class, () -> x.view(Shape.of(7)));
      assertFalse(x.sharesMemory());
    }
  }

  @Test
  void pooledMemoryUnderAViewIsNotHandedOutAgainUntilTheViewCloses() {
    try (MemoryPool pool = new MemoryPool(1 << 20)) {
      for (int run = 0; run < 4; run++) {  // the first run is recorded, the later ones replay the arena plan
        try (MemoryPool.Use use = pool.use()) {
          Tensor a = Tensor.ofFloats(Shape.of(4), 1, 2, 3, 4);
          Tensor v = a.view(Shape.of(2, 2));
          a.close();  // the producer dies first, as a Reshape's input does after its last reader
          Tensor b = Tensor.ofFloats(Shape.of(4), 9, 9, 9, 9);  // same size: the pool's first candidate
          assertNotEquals(v.nativeAddress(), b.nativeAddress(), "run " + run);
          assertArrayEquals(new float[] {1, 2, 3, 4}, v.toFloatArray(), "run " + run);
          v.close();
          b.close();
        }
      }
    }
  }
}

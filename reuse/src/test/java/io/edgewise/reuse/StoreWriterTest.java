package io.edgewise.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The bytes an entry counts against the store's capacity. */
class StoreWriterTest {
  /** entry key 16 + value + stats key 8 + stats row (53 + 8 x tables) + index key 25 x tables. */
  @Test
  void occupiedBytesCountKeysRowsAndIndex() {
    assertEquals(16 + 100 + 8 + 101 + 150, StoreWriter.occupiedBytes(100, 6));
    assertEquals(16 + 1 + 8 + 61 + 25, StoreWriter.occupiedBytes(1, 1));
  }
}

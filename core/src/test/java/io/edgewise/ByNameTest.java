package io.edgewise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The lookup by name and its one-line error, against hand-written lists and messages. */
class ByNameTest {
  private record Item(String name, int value) {}

  private static final List<Item> ITEMS = List.of(new Item("big", 1), new Item("small", 2), new Item("big", 3));

  @Test
  void findsTheFirstItemOfTheName() {
    assertEquals(0, ByName.indexOf(ITEMS, Item::name, "big"));
    assertEquals(1, ByName.indexOf(ITEMS, Item::name, "small"));
    assertEquals(-1, ByName.indexOf(ITEMS, Item::name, "medium"));
    assertEquals(-1, ByName.indexOf(List.<Item>of(), Item::name, "big"));
    assertEquals(1, ByName.require(ITEMS, Item::name, "small", "model group g", "variant"));
  }

  @Test
  void anUnknownNameIsOneLineNamingWhereWhatAndTheNamesThere() {
    EdgewiseException e = assertThrows(EdgewiseException.class,
        () -> ByName.require(ITEMS, Item::name, "medium", "model group g", "variant"));
    assertEquals(EdgewiseException.ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("[INVALID_ARGUMENT] model group g has no variant 'medium' (variants: [big, small, big])",
        e.getMessage());
    e = assertThrows(EdgewiseException.class,
        () -> ByName.require(List.<Item>of(), Item::name, "x", "the level ladder", "level"));
    assertEquals("[INVALID_ARGUMENT] the level ladder has no level 'x' (levels: [])", e.getMessage());
  }

  @Test
  void aRequestedNameIsClippedToOneShortLine() {
    String longName = "n".repeat(100);
    EdgewiseException e = assertThrows(EdgewiseException.class,
        () -> ByName.require(ITEMS, Item::name, longName, "m.onnx", "input"));
    assertEquals("[INVALID_ARGUMENT] m.onnx has no input '" + "n".repeat(64) + "...' (inputs: [big, small, big])",
        e.getMessage());
    assertEquals("a\\u000ab\\u007f", ByName.clip("a\nb\u007f"));
    assertEquals(1, ByName.clip("line\r\nbreak").lines().count());
    assertEquals("short", ByName.clip("short"));
  }
}

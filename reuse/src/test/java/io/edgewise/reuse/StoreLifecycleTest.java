package io.edgewise.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.reuse.ReuseStore.State;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The store's state machine: OPEN, CLOSING, CLOSED, and operations refused with the state named. */
class StoreLifecycleTest {
  @TempDir
  Path dir;

  @Test
  void statesRunOpenClosingClosedAndChecksNameTheState() {
    StoreLifecycle life = new StoreLifecycle("reuse store /x");
    assertEquals(State.OPEN, life.state());
    life.checkReady("stats()");
    life.checkEnvironmentOpen("a read transaction");

    assertTrue(life.beginClose());
    assertEquals(State.CLOSING, life.state());
    EdgewiseException closing = assertThrows(EdgewiseException.class, () -> life.checkReady("stats()"));
    assertEquals("[INVALID_ARGUMENT] reuse store /x is CLOSING: stats() needs it OPEN", closing.getMessage());
    assertEquals(EdgewiseException.ErrorCode.INVALID_ARGUMENT, closing.code());
    life.checkEnvironmentOpen("a write transaction"); // close() itself writes pending hits while CLOSING
    assertFalse(life.beginClose(), "a second close while closing does nothing");

    life.closed();
    assertEquals(State.CLOSED, life.state());
    EdgewiseException closed = assertThrows(EdgewiseException.class,
        () -> life.checkEnvironmentOpen("a read transaction"));
    assertEquals("[INVALID_ARGUMENT] reuse store /x is CLOSED: a read transaction needs it OPEN", closed.getMessage());
    assertFalse(life.beginClose(), "close after close does nothing");
    assertThrows(IllegalStateException.class, life::closed, "CLOSED is final");
  }

  @Test
  void closedNeedsClosingFirst() {
    StoreLifecycle life = new StoreLifecycle("reuse store /x");
    IllegalStateException e = assertThrows(IllegalStateException.class, life::closed);
    assertEquals("reuse store /x: closed() in state OPEN, expected CLOSING", e.getMessage());
    assertEquals(State.OPEN, life.state());
  }

  /** Every checked operation of a closed store fails naming the state and itself; close() stays idempotent. */
  @Test
  void everyOperationOfAClosedStoreNamesTheState() {
    ReuseStore s = ReuseStore.open(dir, ReuseStoreOptions.defaults());
    Namespace ns = s.namespace("m", "t", new float[] {1, 2});
    assertEquals(State.OPEN, s.state());
    s.close();
    assertEquals(State.CLOSED, s.state());
    s.close();
    assertEquals(State.CLOSED, s.state());
    List<Object[]> calls = List.of(
        new Object[] {"stats()", (Executable) s::stats},
        new Object[] {"nearest()", (Executable) () -> s.nearest(ns, new float[] {1, 2}, 1)},
        new Object[] {"get()", (Executable) () -> s.get(ns, 0)},
        new Object[] {"insertAll()", (Executable) () -> s.insert(ns, new float[] {1, 2}, StoredResult.label(1, 1), 1,
            "local")},
        new Object[] {"flush()", (Executable) s::flush},
        new Object[] {"clear()", (Executable) s::clear},
        new Object[] {"putBlob()", (Executable) () -> s.putBlob("b", new byte[] {1})},
        new Object[] {"getBlob()", (Executable) () -> s.getBlob("b")},
        new Object[] {"namespace()", (Executable) () -> s.namespace("m", "t", new float[] {1, 2})});
    for (Object[] c : calls) {
      EdgewiseException e = assertThrows(EdgewiseException.class, (Executable) c[1], (String) c[0]);
      assertEquals("[INVALID_ARGUMENT] reuse store " + dir + " is CLOSED: " + c[0] + " needs it OPEN", e.getMessage());
    }
  }
}

package io.edgewise.reuse;

import io.edgewise.EdgewiseException;
import io.edgewise.reuse.ReuseStore.State;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The store's lifecycle state ({@link State}: OPEN, then CLOSING while close() writes pending hits, then CLOSED)
 * and the checks operations make against it, which fail with the state named, as lmdbjava's {@code Txn} does with
 * {@code checkReady()}.
 */
final class StoreLifecycle {
  private final String name;
  private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);

  /** {@code name} leads every error message, e.g. "reuse store /var/cache/reuse". */
  StoreLifecycle(String name) {
    this.name = name;
  }

  State state() {
    return state.get();
  }

  /** A public operation may run only while the store is OPEN. */
  void checkReady(String operation) {
    State s = state.get();
    if (s != State.OPEN) {
      throw notIn(s, operation, State.OPEN);
    }
  }

  /**
   * An LMDB transaction may begin until the environment is closed: close() itself writes while CLOSING. Checked
   * under the environment lock, which close() takes before it closes the environment.
   */
  void checkEnvironmentOpen(String operation) {
    State s = state.get();
    if (s == State.CLOSED) {
      throw notIn(s, operation, State.OPEN);
    }
  }

  /** OPEN to CLOSING; false when the store is already closing or closed (close() is idempotent). */
  boolean beginClose() {
    return state.compareAndSet(State.OPEN, State.CLOSING);
  }

  /** CLOSING to CLOSED. */
  void closed() {
    if (!state.compareAndSet(State.CLOSING, State.CLOSED)) {
      throw new IllegalStateException(name + ": closed() in state " + state.get() + ", expected CLOSING");
    }
  }

  private EdgewiseException notIn(State s, String operation, State needed) {
    return EdgewiseException.invalidArgument(name + " is " + s + ": " + operation + " needs it " + needed);
  }
}

package io.edgewise.backend.exec;

import io.edgewise.tensor.Tensor;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shape arithmetic of an interpreted graph, evaluated once per input shape: for each input shape (the
 * interpreter's key), which nodes a run skips and the values they produced on the run that captured them. The nodes
 * that may be skipped are those {@link io.edgewise.model.passes.ShapeSubgraphs} finds (their outputs depend only on
 * the input shapes and on initializers), so the captured values are what those nodes would compute again.
 *
 * <p>Bounded: the {@value #SHAPES} most recently used shapes. A run holds its entry from {@link #acquire} to
 * {@link #release}; an entry evicted (or the whole set closed) while runs hold it is closed when the last of them
 * releases it, so a concurrent run never reads a closed tensor. Thread-safe.
 */
final class ShapeFolds implements AutoCloseable {
  /** Input shapes kept: more than the memory pool's plans, the values are a few shape vectors each. */
  static final int SHAPES = 32;
  /** Larger results are not kept (the run computes them): shape arithmetic is small, a ConstantOfShape may not be. */
  static final long MAX_ELEMENTS = 1 << 16;

  private final LinkedHashMap<Object, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private boolean closed;

  /** One input shape's folded nodes and their values. */
  static final class Entry {
    /** Node i is skipped on runs of this shape. */
    final boolean[] skip;
    /** The skipped nodes' outputs, by value name (read-only once published). */
    final Map<String, Tensor> values = new HashMap<>();
    private int users;
    private boolean retired;

    Entry(int nodes) {
      skip = new boolean[nodes];
    }

    /** Closes the values (an entry that was never published, or the last user of a retired one). */
    void closeValues() {
      values.values().forEach(Tensor::close);
      values.clear();
    }
  }

  /** The entry of this input shape, held until {@link #release}; null when none is kept (the run captures one). */
  synchronized Entry acquire(Object key) {
    Entry e = closed ? null : entries.get(key);
    if (e != null) {
      e.users++;
    }
    return e;
  }

  synchronized void release(Entry e) {
    e.users--;
    if (e.retired && e.users == 0) {
      e.closeValues();
    }
  }

  /**
   * Keeps a captured entry for its shape (evicting the least recently used beyond {@value #SHAPES}); one captured by
   * a concurrent run of the same shape, or after close, is closed instead.
   */
  synchronized void publish(Object key, Entry e) {
    if (closed || entries.containsKey(key)) {
      e.closeValues();
      return;
    }
    entries.put(key, e);
    if (entries.size() > SHAPES) {
      Iterator<Entry> eldest = entries.values().iterator();
      retire(eldest.next());
      eldest.remove();
    }
  }

  /** Shapes kept now (for tests). */
  synchronized int size() {
    return entries.size();
  }

  private static void retire(Entry e) {
    e.retired = true;
    if (e.users == 0) {
      e.closeValues();
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    entries.values().forEach(ShapeFolds::retire);
    entries.clear();
  }
}

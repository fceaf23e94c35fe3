package io.edgewise.backend.cpu;

import io.edgewise.tensor.Shape;

/**
 * A node's plans for the last few input shapes it saw, least recently used evicted first: a session fed inputs of a
 * few shapes in turn (a detector fed pages of a few sizes) plans each node once per shape, not once per change of
 * shape. Lookups allocate nothing (a use is a stamp, not a reordering); thread-safe.
 */
final class RecentPlans<P> {
  /** Shapes kept per node: as many as the memory pool keeps arena plans (MemoryPool.MAX_PLANS). */
  static final int SHAPES = 8;

  private final Shape[] keys;
  private final Object[] plans;
  private final long[] used;
  private long clock;

  RecentPlans(int bound) {
    keys = new Shape[bound];
    plans = new Object[bound];
    used = new long[bound];
  }

  /** The plan kept for this shape, or null. */
  @SuppressWarnings("unchecked")
  synchronized P get(Shape shape) {
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != null && keys[i].equals(shape)) {
        used[i] = ++clock;
        return (P) plans[i];
      }
    }
    return null;
  }

  /** Keeps a plan for this shape, in place of the least recently used one when all places are taken. */
  synchronized void put(Shape shape, P plan) {
    int at = 0;
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] == null || keys[i].equals(shape)) {
        at = i;
        break;
      }
      if (used[i] < used[at]) {
        at = i;
      }
    }
    keys[at] = shape;
    plans[at] = plan;
    used[at] = ++clock;
  }

  /** Shapes kept now. */
  synchronized int size() {
    int n = 0;
    for (Shape k : keys) {
      n += k == null ? 0 : 1;
    }
    return n;
  }
}

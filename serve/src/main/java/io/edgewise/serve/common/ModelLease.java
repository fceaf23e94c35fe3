package io.edgewise.serve.common;

/**
 * A loaded model held for one request: while any lease on it is open the model is neither evicted nor unloaded nor
 * closed by a reload (reference counting); close() gives it back. Get one from {@link ModelRepository#acquire}.
 */
public final class ModelLease implements AutoCloseable {
  private final ModelRepository.Instance instance;
  private final boolean hit;
  private final long loadWaitNanos;
  private boolean closed;

  ModelLease(ModelRepository.Instance instance, boolean hit, long loadWaitNanos) {
    this.instance = instance;
    this.hit = hit;
    this.loadWaitNanos = loadWaitNanos;
  }

  /** The loaded model (its session is open until the lease closes). */
  public ServedModel model() {
    return instance.model;
  }

  /** Whether the model was loaded when the request came (a cache hit). */
  public boolean hit() {
    return hit;
  }

  /** How long the request waited for the model to load (0 on a hit): the latency the cache added. */
  public long loadWaitNanos() {
    return loadWaitNanos;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      instance.release();
    }
  }
}

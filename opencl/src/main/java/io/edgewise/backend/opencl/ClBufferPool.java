package io.edgewise.backend.opencl;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Device buffers recycled by exact size across the runs of one executable, so steady-state inference creates
 * no OpenCL buffer. Not thread-safe (an executable's runs are serialised). close() releases every pooled buffer.
 */
public final class ClBufferPool implements AutoCloseable {
  private final ClContext context;
  private final Map<Long, Deque<ClBuffer>> free = new HashMap<>();

  public ClBufferPool(ClContext context) {
    this.context = context;
  }

  /** A buffer of exactly {@code bytes} (contents undefined). */
  public ClBuffer take(long bytes) {
    Deque<ClBuffer> q = free.get(bytes);
    ClBuffer b = q == null ? null : q.poll();
    if (b == null) {
      return ClBuffer.allocate(context, bytes);
    }
    b.pooled(false);
    return b;
  }

  public void give(ClBuffer b) {
    b.pooled(true);
    free.computeIfAbsent(b.bytes(), k -> new ArrayDeque<>()).push(b);
  }

  @Override
  public void close() {
    free.values().forEach(q -> q.forEach(ClBuffer::close));
    free.clear();
  }
}

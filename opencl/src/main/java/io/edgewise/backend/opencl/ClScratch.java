package io.edgewise.backend.opencl;

import java.util.HashMap;
import java.util.Map;

/**
 * Named device buffers reused from call to call, each grown (never shrunk) to the largest size asked of it: the
 * staging and intermediate memory of a sequence of passes whose sizes vary by layer. Owns its buffers; close()
 * releases them.
 */
public final class ClScratch implements AutoCloseable {
  private final ClContext context;
  private final Map<String, ClBuffer> slots = new HashMap<>();

  public ClScratch(ClContext context) {
    this.context = context;
  }

  public ClContext context() {
    return context;
  }

  /** The slot's buffer, at least {@code floats} float32 values (and at least one) long; its contents are undefined. */
  public ClBuffer floats(String slot, long floats) {
    long bytes = Math.max(1, floats) * Float.BYTES;
    ClBuffer b = slots.get(slot);
    if (b == null || b.bytes() < bytes) {
      if (b != null) {
        slots.remove(slot);
        b.close();
      }
      b = ClBuffer.allocate(context, bytes);
      slots.put(slot, b);
    }
    return b;
  }

  /** Bytes held by every slot. */
  public long bytes() {
    return slots.values().stream().mapToLong(ClBuffer::bytes).sum();
  }

  @Override
  public void close() {
    slots.values().forEach(ClBuffer::close);
    slots.clear();
  }
}

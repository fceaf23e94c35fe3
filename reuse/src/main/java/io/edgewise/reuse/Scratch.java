package io.edgewise.reuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Per-thread direct buffers for the store's keys and values: allocating direct buffers per call makes the JDK's
 * direct-memory accounting call System.gc() now and then, which showed as 10+ ms spikes in lookup p99. A buffer
 * handed out here is valid until the same thread asks for the same buffer again.
 */
final class Scratch {
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  final ByteBuffer indexKey = ByteBuffer.allocateDirect(StoreKeys.INDEX_KEY);
  final ByteBuffer entryKey = ByteBuffer.allocateDirect(StoreKeys.ENTRY_KEY);
  final ByteBuffer idKey = ByteBuffer.allocateDirect(StoreKeys.ID_KEY);
  final ByteBuffer empty = ByteBuffer.allocateDirect(0);
  final ByteBuffer counter = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN);
  final ByteBuffer stats = ByteBuffer.allocateDirect(StatsRecord.size(64)).order(ByteOrder.LITTLE_ENDIAN);
  private ByteBuffer value = ByteBuffer.allocateDirect(4096);
  private final ByteBuffer metaKey = ByteBuffer.allocateDirect(64);

  private Scratch() {}

  /** This thread's buffers. */
  static Scratch get() {
    return SCRATCH.get();
  }

  /** The name as a direct key, in the shared buffer when it fits. */
  ByteBuffer metaKey(byte[] name) {
    return name.length <= metaKey.capacity() ? metaKey.clear().put(name).flip()
        : ByteBuffer.allocateDirect(name.length).put(name).flip();
  }

  /** A value buffer of at least {@code size} bytes (grown by doubling, never shrunk). */
  ByteBuffer value(int size) {
    if (value.capacity() < size) {
      value = ByteBuffer.allocateDirect(Math.max(size, value.capacity() * 2));
    }
    return value;
  }
}

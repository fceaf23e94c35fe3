package io.edgewise.tensor;

import io.edgewise.nativecore.NativeCore;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Recycles tensor memory across the runs of one executable: a buffer closed while its pool is open goes back to
 * the pool instead of to the allocator, so that steady-state inference allocates no native memory. Buffers are
 * pooled by size class (the size rounded up to a power of two) and handed out most recently freed first: tensors of
 * neighbouring sizes share buffers, so a chain of layers writes into memory it has just read, still in cache,
 * instead of touching one buffer per distinct tensor size (MobileNetV2's activations then fit the last-level cache;
 * with one buffer per exact size they did not). The class sequence repeats from run to run, so the pool stops
 * growing after the first run. Tensors allocated on a thread inside {@link #use} come from the pool.
 * Bounded: past {@code maxPooledBytes} closed buffers are freed. close() frees what the pool holds; buffers still
 * owned by tensors are freed when those close.
 */
public final class MemoryPool implements AutoCloseable {
  private static final ThreadLocal<MemoryPool> CURRENT = new ThreadLocal<>();

  private final long maxPooledBytes;
  private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
  private long pooledBytes;
  private boolean closed;

  public MemoryPool(long maxPooledBytes) {
    this.maxPooledBytes = maxPooledBytes;
  }

  /** Makes this pool the source of tensors allocated on the calling thread until the returned scope closes. */
  public Use use() {
    MemoryPool previous = CURRENT.get();
    CURRENT.set(this);
    return () -> CURRENT.set(previous);
  }

  /** The scope of {@link #use}; closing it restores the thread's previous pool. */
  @FunctionalInterface
  public interface Use extends AutoCloseable {
    @Override
    void close();
  }

  static MemoryPool current() {
    return CURRENT.get();
  }

  /** Memory of exactly `bytes`, recycled when possible; zero-filled unless the caller will write all of it. */
  synchronized long take(long bytes, boolean zeroed) {
    long capacity = sizeClass(bytes);
    ArrayDeque<Long> list = closed ? null : free.get(capacity);
    if (list != null && !list.isEmpty()) {
      long address = list.pop();
      pooledBytes -= capacity;
      if (zeroed) {
        NativeCore.zero(address, bytes);
      }
      return address;
    }
    return NativeCore.allocate(closed ? bytes : capacity);
  }

  /** The capacity a pooled buffer of {@code bytes} gets: the next power of two (at least 64 bytes). */
  static long sizeClass(long bytes) {
    return bytes <= 64 ? 64 : Long.highestOneBit(bytes - 1) << 1;
  }

  /** Takes memory back from a closed tensor (or frees it, when the pool is closed or full). */
  synchronized void give(long address, long bytes) {
    long capacity = sizeClass(bytes);
    if (closed || pooledBytes + capacity > maxPooledBytes) {
      NativeCore.free(address);
      return;
    }
    free.computeIfAbsent(capacity, k -> new ArrayDeque<>()).push(address);
    pooledBytes += capacity;
  }

  /** Bytes held for reuse right now. */
  public synchronized long pooledBytes() {
    return pooledBytes;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    free.values().forEach(list -> list.forEach(NativeCore::free));
    free.clear();
    pooledBytes = 0;
  }
}

package io.edgewise.tensor;

import io.edgewise.nativecore.NativeCore;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Recycles tensor memory across the runs of one executable: a buffer closed while its pool is open goes back to
 * the pool (keyed by its exact size, which repeats from run to run) instead of to the allocator, so that steady-state
 * inference allocates no native memory. Tensors allocated on a thread inside {@link #use} come from the pool.
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
    ArrayDeque<Long> list = closed ? null : free.get(bytes);
    if (list != null && !list.isEmpty()) {
      long address = list.pop();
      pooledBytes -= bytes;
      if (zeroed) {
        NativeCore.zero(address, bytes);
      }
      return address;
    }
    return NativeCore.allocate(bytes);
  }

  /** Takes memory back from a closed tensor (or frees it, when the pool is closed or full). */
  synchronized void give(long address, long bytes) {
    if (closed || pooledBytes + bytes > maxPooledBytes) {
      NativeCore.free(address);
      return;
    }
    free.computeIfAbsent(bytes, k -> new ArrayDeque<>()).push(address);
    pooledBytes += bytes;
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

package io.edgewise.tensor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The native memory held on behalf of one owner (a session: its weights, packed weights, arena and pooled buffers,
 * and the tensors its runs returned that are still open), counted from the allocations themselves: every block the
 * native core hands out while the account is current on the allocating thread ({@link #enter}) is charged to it
 * when allocated and credited back when freed, whichever thread frees it. A {@link MemoryPool} charges the account
 * that was current when the pool was made, so memory recycled across runs stays with its owner.
 *
 * <p>Memory allocated outside the native core's allocator is not seen here: ONNX Runtime's own buffers (the ort
 * device and the ort fallback), OpenCL device memory and the Java heap. Device code that owns such memory may
 * report it with {@link #charge}/{@link #credit}.
 */
public final class MemoryAccount {
  private static final ThreadLocal<MemoryAccount> CURRENT = new ThreadLocal<>();

  private final AtomicLong live = new AtomicLong();

  /** The account charged for allocations on this thread now, or null. */
  public static MemoryAccount current() {
    return CURRENT.get();
  }

  /** Makes this account the calling thread's until the scope closes (scopes nest: the previous one comes back). */
  public Scope enter() {
    MemoryAccount previous = CURRENT.get();
    CURRENT.set(this);
    return () -> {
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
    };
  }

  /** Native bytes held for the owner now. */
  public long liveBytes() {
    return live.get();
  }

  /** Records bytes allocated for the owner (outside the native core's allocator: device memory). */
  public void charge(long bytes) {
    live.addAndGet(bytes);
  }

  /** Records bytes the owner freed. */
  public void credit(long bytes) {
    live.addAndGet(-bytes);
  }

  /**
   * Moves a tensor's memory to this account (from the one it was charged to, if any): the weights of a model
   * imported before its session was opened. Memory that belongs to a pool stays with the pool's account.
   */
  public void adopt(Tensor t) {
    t.memory().moveTo(this);
  }

  /** The scope of {@link #enter}. */
  @FunctionalInterface
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }
}

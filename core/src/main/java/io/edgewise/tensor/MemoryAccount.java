package io.edgewise.tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
 *
 * <p>A {@link #traced} account also remembers where each tensor charged to it was allocated, and which of them the
 * garbage collector freed because nobody closed them: the tests' leak guard reads those to name a leak's allocation.
 */
public final class MemoryAccount {
  private static final ThreadLocal<MemoryAccount> CURRENT = new ThreadLocal<>();

  private final AtomicLong live = new AtomicLong();
  /** Traced only: the open blocks charged here (keyed by the block's release; guarded by its own lock), with their sites. */
  private final Map<Object, Block> open;
  /** Traced only: the blocks the Cleaner freed because their tensor was never closed (guarded by open's lock). */
  private final List<Block> collected;

  /** An untraced account: bytes only. */
  public MemoryAccount() {
    this(false);
  }

  private MemoryAccount(boolean traced) {
    this.open = traced ? new IdentityHashMap<>() : null;
    this.collected = traced ? new ArrayList<>() : null;
  }

  /**
   * An account that also records where each tensor charged to it was allocated (a stack trace per allocation: for
   * tests, not for serving). Memory a {@link MemoryPool} charges is counted in bytes only.
   */
  public static MemoryAccount traced() {
    return new MemoryAccount(true);
  }

  /** Whether allocations charged here record their site ({@link #traced}). */
  public boolean isTraced() {
    return open != null;
  }

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

  /** Charges one tensor's block; a traced account keeps its site (a new one if it has none: moved in later). */
  void chargeBlock(Object block, long bytes, Throwable site) {
    if (open == null) {
      charge(bytes);
      return;
    }
    synchronized (open) {  // with the bytes, so that a snapshot sees both or neither (the Cleaner runs concurrently)
      charge(bytes);
      open.put(block, new Block(bytes, site != null ? site : new Throwable("moved to this account here")));
    }
  }

  /** Credits one tensor's block; collected: the Cleaner freed it, its tensor was never closed. */
  void creditBlock(Object block, long bytes, boolean collected) {
    if (open == null) {
      credit(bytes);
      return;
    }
    synchronized (open) {
      credit(bytes);
      Block b = open.remove(block);
      if (collected && b != null) {
        this.collected.add(b);
      }
    }
  }

  /**
   * Traced: what the account holds now, read at one instant: its bytes, the tensors still open and those the
   * garbage collector freed because they were never closed (the bytes beyond the open tensors' are pooled memory).
   * An untraced account: its bytes, no tensors.
   */
  public Snapshot snapshot() {
    if (open == null) {
      return new Snapshot(liveBytes(), List.of(), List.of());
    }
    synchronized (open) {
      return new Snapshot(liveBytes(), List.copyOf(open.values()), List.copyOf(collected));
    }
  }

  /**
   * Moves a tensor's memory to this account (from the one it was charged to, if any): the weights of a model
   * imported before its session was opened. Memory that belongs to a pool stays with the pool's account.
   */
  public void adopt(Tensor t) {
    t.memory().moveTo(this);
  }

  /** One tensor's memory on a traced account: its size and where it was allocated. */
  public record Block(long bytes, Throwable site) {}

  /** A traced account's state at one instant ({@link #snapshot}). */
  public record Snapshot(long liveBytes, List<Block> open, List<Block> collected) {}

  /** The scope of {@link #enter}. */
  @FunctionalInterface
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }
}

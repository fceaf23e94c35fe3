package io.edgewise.tensor;

import io.edgewise.nativecore.NativeCore;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One block of 64-byte aligned native memory from the native core, with exactly one owner. close() frees it;
 * a Cleaner frees it if the owner is collected without closing (and counts that as a leak, as Netty's
 * ResourceLeakDetector does). With -Dedgewise.leakDetection=paranoid the allocation site is logged for each leak.
 *
 * <p>The owners are counted: a zero-copy view ({@link Tensor#view}) is a second owner of the same memory, so the
 * memory goes back (to its pool, or to the native allocator) when the last of the tensors over it closes, never
 * while a view still reads it.
 */
final class NativeBuffer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NativeBuffer.class);
  private static final Cleaner CLEANER = Cleaner.create();
  private static final boolean PARANOID = "paranoid".equals(System.getProperty("edgewise.leakDetection"));
  private static final AtomicLong LIVE = new AtomicLong();
  private static final AtomicLong LEAKED = new AtomicLong();

  private final long bytes;
  /** The memory as a buffer, made on first use ({@link #buffer}): most tensors of a native run never need one. */
  private volatile ByteBuffer buffer;
  private final Release release;
  /** Null for an arena tensor's memory (see {@link MemoryPool#inArena}). */
  private final Cleaner.Cleanable cleanable;
  /** Tensors over this memory not yet closed (the allocating one, then one more per view). */
  private final AtomicInteger owners = new AtomicInteger(1);

  NativeBuffer(long bytes) {
    this(bytes, true);
  }

  /** zeroed = false: recycled memory keeps old contents (for kernels that write every byte). */
  NativeBuffer(long bytes, boolean zeroed) {
    if (bytes > Integer.MAX_VALUE) {
      throw new io.edgewise.EdgewiseException(io.edgewise.EdgewiseException.ErrorCode.RESOURCE_EXHAUSTED,
          "tensor of " + bytes + " bytes exceeds the 2 GiB limit of one buffer");
    }
    MemoryPool pool = MemoryPool.current();
    long address = pool != null ? pool.take(Math.max(bytes, 1), zeroed) : NativeCore.allocate(bytes);
    this.bytes = bytes;
    // pooled memory is charged by its pool; memory of our own to the account current on this thread
    MemoryAccount account = pool == null ? MemoryAccount.current() : null;
    boolean traced = account != null && account.isTraced();
    this.release = new Release(address, Math.max(bytes, 1), pool,
        PARANOID || traced ? new Throwable("allocated here") : null);
    if (account != null) {
      release.account = account;
      account.chargeBlock(release, release.bytes, release.site);
    }
    // an arena tensor is closed by the run that took it (MemoryPool.finish counts one left open): no Cleaner
    this.cleanable = pool != null && pool.inArena(address) ? null : CLEANER.register(this, release);
    LIVE.incrementAndGet();
  }

  private static ByteBuffer wrap(long nativeAddress, long bytes) {
    // (inside the anonymous class the inherited field 'address' would shadow a parameter of the same name)
    Pointer raw = new Pointer() {
      {
        address = nativeAddress;
      }
    };
    ByteBuffer b = new BytePointer(raw).capacity(Math.max(bytes, 1)).asByteBuffer();
    return b.order(ByteOrder.LITTLE_ENDIAN).limit((int) bytes);
  }

  long address() {
    return release.address;
  }

  /** The memory as a little-endian buffer; it must not be used after close(). */
  ByteBuffer buffer() {
    ByteBuffer b = buffer;
    if (b == null) {
      b = wrap(release.address, bytes);  // two threads may both wrap it: equal buffers over the same memory
      buffer = b;
    }
    return b;
  }

  long bytes() {
    return bytes;
  }

  boolean isClosed() {
    return release.done.get();
  }

  /** One more owner (a view); refused once the memory is released. */
  NativeBuffer retain() {
    while (true) {
      int n = owners.get();
      if (n <= 0) {
        throw new io.edgewise.EdgewiseException(io.edgewise.EdgewiseException.ErrorCode.INVALID_ARGUMENT,
            "a view of tensor memory that is already released");
      }
      if (owners.compareAndSet(n, n + 1)) {
        return this;
      }
    }
  }

  /** Whether another tensor (a view, or the tensor a view was made of) still owns this memory. */
  boolean shared() {
    return owners.get() > 1;
  }

  /** One owner is done with the memory: the last one releases it. Each owner calls this once. */
  @Override
  public void close() {
    if (owners.decrementAndGet() <= 0) {
      release.explicit = true;
      if (cleanable != null) {
        cleanable.clean();
      } else {
        release.run();
      }
    }
  }

  /** Charges this buffer to another account (no-op for a pool's memory, which its pool's account holds). */
  void moveTo(MemoryAccount to) {
    synchronized (release) {
      if (release.pool != null || release.done.get() || release.account == to) {
        return;
      }
      if (release.account != null) {
        release.account.creditBlock(release, release.bytes, false);
      }
      release.account = to;
      if (to != null) {
        to.chargeBlock(release, release.bytes, release.site);
      }
    }
  }

  /** Buffers allocated and not yet freed. */
  static long liveCount() {
    return LIVE.get();
  }

  /** Counts arena tensors their run left open (see {@link MemoryPool#inArena}) as leaks. */
  static void arenaLeaks(int count) {
    LEAKED.addAndGet(count);
    LOG.warn("{} arena tensors were still open when their run ended", count);
  }

  /** Buffers freed by the Cleaner because their owner never closed them (and arena tensors left open by a run). */
  static long leakedCount() {
    return LEAKED.get();
  }

  /** Holds no reference to the NativeBuffer, so the owner can become phantom-reachable. */
  private static final class Release implements Runnable {
    private final long address;
    private final long bytes;
    private final MemoryPool pool;
    private final Throwable site;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile boolean explicit;
    /** Charged for this memory (null: none, or the pool's); changed only under this object's lock. */
    private MemoryAccount account;

    Release(long address, long bytes, MemoryPool pool, Throwable site) {
      this.address = address;
      this.bytes = bytes;
      this.pool = pool;
      this.site = site;
    }

    @Override
    public void run() {
      if (done.compareAndSet(false, true)) {
        if (pool != null) {
          pool.give(address, bytes);  // back to the executable's pool (or freed, once that is closed)
        } else {
          NativeCore.free(address);
          synchronized (this) {
            if (account != null) {
              account.creditBlock(this, bytes, !explicit);
              account = null;
            }
          }
        }
        LIVE.decrementAndGet();
        if (!explicit) {
          LEAKED.incrementAndGet();
          if (PARANOID) {  // (a traced account's tensors have a site too: their leaks are the account's to report)
            LOG.warn("tensor memory was not closed; freed by the garbage collector", site);
          }
        }
      }
    }
  }
}

package io.edgewise.serve;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Netty allocator that counts the bytes of every buffer it hands out, live and at the peak, for tests that bound
 * what a server buffers (socket reads, aggregated bodies, answers). Unpooled, so a buffer's bytes are counted from
 * allocation to release exactly, without a pool's chunks in between.
 */
public final class CountingAllocator extends AbstractByteBufAllocator {
  private final AtomicLong live = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  private final AtomicLong total = new AtomicLong();

  public CountingAllocator() {
    super(true);
  }

  /** Bytes allocated and not yet released. */
  public long live() {
    return live.get();
  }

  /** The most bytes live at once since the last {@link #resetPeak()}. */
  public long peak() {
    return peak.get();
  }

  /** Bytes ever allocated. */
  public long total() {
    return total.get();
  }

  public void resetPeak() {
    peak.set(live.get());
  }

  private void add(long n) {
    long now = live.addAndGet(n);
    if (n > 0) {
      total.addAndGet(n);
      peak.accumulateAndGet(now, Math::max);
    }
  }

  // Counted from public and protected hooks only (Netty 4.2 allocates through package-private methods): a buffer's
  // capacity when made, every change of capacity, and its capacity when deallocated.
  @Override
  protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
    ByteBuf b = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity) {
      @Override
      public ByteBuf capacity(int newCapacity) {
        int old = capacity();
        super.capacity(newCapacity);
        add(capacity() - old);
        return this;
      }

      @Override
      protected void deallocate() {
        add(-capacity());
        super.deallocate();
      }
    };
    add(b.capacity());
    return b;
  }

  @Override
  protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
    ByteBuf b = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity) {
      @Override
      public ByteBuf capacity(int newCapacity) {
        int old = capacity();
        super.capacity(newCapacity);
        add(capacity() - old);
        return this;
      }

      @Override
      protected void deallocate() {
        add(-capacity());
        super.deallocate();
      }
    };
    add(b.capacity());
    return b;
  }

  @Override
  public boolean isDirectBufferPooled() {
    return false;
  }
}

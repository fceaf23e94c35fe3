package io.edgewise.tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves native memory behind: every tensor its tests (and its static and instance
 * initializers, its {@code @BeforeAll}/{@code @AfterAll} methods) allocate on the test thread is charged to a
 * {@link MemoryAccount#traced traced} account of the class's own, and after the class that account must hold nothing
 * and have had nothing freed by the garbage collector. The failure names each leaking allocation by its stack.
 *
 * <p>An account of its own, not the process-wide counters ({@code NativeCore.allocatedBytes}, the live buffer
 * count): those move whenever the Cleaner frees a tensor another class left unclosed, so a guard on them would fail
 * the wrong class, at random. Memory allocated on other threads (a worker pool's own buffers) is not charged here.
 *
 * <p>Use: {@code @ExtendWith(NativeLeakGuard.class)} on the test class. JUnit runs a class's callbacks on one thread
 * (this project runs no tests in parallel), which the account's scope needs.
 */
public final class NativeLeakGuard implements BeforeAllCallback, AfterAllCallback {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NativeLeakGuard.class);
  /** Distinct allocation sites named in one failure, and stack frames shown per site. */
  private static final int SITES = 10;
  private static final int FRAMES = 8;

  private record Guard(MemoryAccount account, MemoryAccount.Scope scope) {}

  @Override
  public void beforeAll(ExtensionContext context) {
    MemoryAccount account = MemoryAccount.traced();
    context.getStore(NS).put(Guard.class, new Guard(account, account.enter()));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    Guard guard = context.getStore(NS).remove(Guard.class, Guard.class);
    guard.scope().close();
    String leaks = leaks(guard.account());
    if (leaks != null) {
      throw new AssertionError(context.getDisplayName() + " leaked native memory: " + leaks);
    }
  }

  /** What the account still holds or had freed by the garbage collector, with the allocation sites; null: nothing. */
  static String leaks(MemoryAccount account) {
    MemoryAccount.Snapshot now = account.snapshot();
    List<MemoryAccount.Block> open = now.open();
    List<MemoryAccount.Block> collected = now.collected();
    long tensorBytes = open.stream().mapToLong(MemoryAccount.Block::bytes).sum();
    long pooled = now.liveBytes() - tensorBytes;  // charged by memory pools: a session or executable left open
    if (open.isEmpty() && collected.isEmpty() && pooled == 0) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    b.append(open.size()).append(" tensors left open (").append(tensorBytes).append(" bytes), ")
        .append(collected.size()).append(" freed unclosed by the garbage collector, ")
        .append(pooled).append(" bytes in memory pools (a session or executable not closed)");
    List<MemoryAccount.Block> all = new ArrayList<>(open);
    all.addAll(collected);
    Map<String, Integer> sites = new LinkedHashMap<>();
    for (MemoryAccount.Block block : all) {
      sites.merge(site(block.site()), 1, Integer::sum);
    }
    int shown = 0;
    for (Map.Entry<String, Integer> e : sites.entrySet()) {
      if (shown++ == SITES) {
        b.append("\n(").append(sites.size() - SITES).append(" more allocation sites)");
        break;
      }
      b.append("\n").append(e.getValue()).append(" x allocated at").append(e.getKey());
    }
    return b.toString();
  }

  /** The allocating frames, from the first one past the tensor's constructor, up to the test framework. */
  private static String site(Throwable site) {
    StringBuilder b = new StringBuilder();
    int shown = 0;
    boolean inside = true;
    for (StackTraceElement f : site.getStackTrace()) {
      String c = f.getClassName();
      if (inside && (c.equals(NativeBuffer.class.getName()) || c.equals(MemoryAccount.class.getName())
          || c.equals(Tensor.class.getName()) && f.getMethodName().equals("<init>"))) {
        continue;
      }
      inside = false;
      if (c.startsWith("org.junit.") || c.startsWith("jdk.internal.reflect.") || shown++ == FRAMES) {
        break;
      }
      b.append("\n    ").append(f);
    }
    return b.toString();
  }
}

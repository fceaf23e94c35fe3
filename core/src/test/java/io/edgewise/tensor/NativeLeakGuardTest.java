package io.edgewise.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestIdentifier;

/** The leak guard fails a class that leaves a tensor open, names where it was allocated, and passes a clean one. */
@ExtendWith(NativeLeakGuard.class)
class NativeLeakGuardTest {
  @Test
  void failsAClassThatLeavesATensorOpenNamingTheAllocation() {
    List<Throwable> failures = runClass(Leaky.class);
    assertEquals(1, failures.size(), "one failure, for the class: " + failures);
    String message = failures.get(0).getMessage();
    assertTrue(message.contains("1 tensors left open (4000 bytes)"), message);
    assertTrue(message.contains("NativeLeakGuardTest$Leaky.leaks("), "names the leaking line: " + message);
    Leaky.kept.close();  // charged to Leaky's account, not this class's: closed only to tidy up
  }

  @Test
  void passesAClassThatClosesWhatItAllocates() {
    assertEquals(List.of(), runClass(Tidy.class));
  }

  @Test
  void countsATensorTheGarbageCollectorFreedUnclosed() {
    MemoryAccount account = MemoryAccount.traced();
    try (MemoryAccount.Scope scope = account.enter()) {
      Tensor.allocate(DType.FLOAT32, Shape.of(10));  // dropped unclosed
    }
    assertNotNull(NativeLeakGuard.leaks(account), "left open");
    // the Cleaner frees it once the tensor is collected; the account remembers it was never closed
    // bounded by a deadline, not by 200 rounds: on a loaded machine the Cleaner's thread may wait its turn for long
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (!account.snapshot().open().isEmpty() && System.nanoTime() < deadline) {
      System.gc();
      sleep();
    }
    assertTrue(account.snapshot().open().isEmpty(), "the garbage collector did not free the dropped tensor");
    assertEquals(0, account.liveBytes());
    String leaks = NativeLeakGuard.leaks(account);
    assertNotNull(leaks);
    assertTrue(leaks.contains("1 freed unclosed by the garbage collector"), leaks);
    assertTrue(leaks.contains("countsATensorTheGarbageCollectorFreedUnclosed("), leaks);
  }

  @Test
  void anUntracedAccountCountsBytesOnly() {
    MemoryAccount account = new MemoryAccount();
    try (MemoryAccount.Scope scope = account.enter(); Tensor t = Tensor.allocate(DType.INT8, Shape.of(3))) {
      assertEquals(3, account.liveBytes());
      assertEquals(new MemoryAccount.Snapshot(3, List.of(), List.of()), account.snapshot());
    }
    assertNull(NativeLeakGuard.leaks(account));
  }

  /** Leaves one tensor open (run only through {@link #runClass}). */
  @Disabled("run by NativeLeakGuardTest through the launcher")
  @ExtendWith(NativeLeakGuard.class)
  static class Leaky {
    static Tensor kept;

    @Test
    void leaks() {
      kept = Tensor.allocate(DType.FLOAT32, Shape.of(1000));
    }
  }

  /** Closes everything, views and a session-less chain of tensors included (run only through {@link #runClass}). */
  @Disabled("run by NativeLeakGuardTest through the launcher")
  @ExtendWith(NativeLeakGuard.class)
  static class Tidy {
    private final Tensor field = Tensor.allocate(DType.INT32, Shape.of(4));

    @Test
    void closes() {
      try (Tensor t = Tensor.ofFloats(Shape.of(2, 2), 1f, 2f, 3f, 4f); Tensor v = t.withShape(Shape.of(4))) {
        assertEquals(4f, v.getFloat(3));
      }
      field.close();
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The failures of running one class through the JUnit launcher (the guard's failure is the class's). */
  private static List<Throwable> runClass(Class<?> c) {
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(c))
        .configurationParameter("junit.jupiter.conditions.deactivate", "org.junit.*DisabledCondition").build();
    Launcher launcher = LauncherFactory.create();
    List<Throwable> failures = new ArrayList<>();
    launcher.execute(request, new TestExecutionListener() {
      @Override
      public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        result.getThrowable().ifPresent(failures::add);
      }
    });
    return failures;
  }
}

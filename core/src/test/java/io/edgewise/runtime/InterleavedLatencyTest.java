package io.edgewise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.tensor.Tensor;
import io.edgewise.model.DemoModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blocks of timed runs during which the JVM's compiler worked are measured again, and counted. */
class InterleavedLatencyTest {
  @TempDir
  Path dir;

  /** A compile-time counter that jumps by {@code jump} ms inside the blocks {@code disturbed} says (by attempt). */
  private static LongSupplier compiler(AtomicInteger reads, java.util.function.IntPredicate disturbed, long jump) {
    long[] total = {0};
    return () -> {
      int read = reads.getAndIncrement();  // two reads per block attempt: before and after its runs
      if (read % 2 == 1 && disturbed.test(read / 2)) {
        total[0] += jump;
      }
      return total[0];
    };
  }

  private InterleavedLatency.Measurement measure(LongSupplier compiled, int runs) {
    Path model = DemoModel.write(dir);
    try (Session a = Session.open(model, SessionOptions.defaults().withDevice("cpu"));
        Session b = Session.open(model, SessionOptions.defaults().withDevice("ref"));
        Tensor x = DemoModel.sampleInput(1)) {
      Map<String, Tensor> feeds = Map.of(DemoModel.INPUT, x);
      return InterleavedLatency.measure(List.of(a, b), List.of(feeds, feeds), runs, compiled);
    }
  }

  @Test
  void aBlockTheCompilerDisturbedIsMeasuredAgain() {
    AtomicInteger reads = new AtomicInteger();
    // 20 runs = 2 blocks per session, 4 block attempts undisturbed; the first attempt of all saw 12 ms of compiling
    InterleavedLatency.Measurement m = measure(compiler(reads, attempt -> attempt == 0, 12), 20);
    assertEquals(1, m.repeatedBlocks());
    assertEquals(2 * 5, reads.get(), "five block attempts, two compiler readings each");
    assertEquals(20, m.stats().get(0).runs());
    assertEquals(20, m.stats().get(1).runs());
  }

  @Test
  void smallCompilationsAndUnknownCountersChangeNothing() {
    AtomicInteger reads = new AtomicInteger();
    assertEquals(0, measure(compiler(reads, attempt -> true, InterleavedLatency.COMPILE_MILLIS - 1), 20)
        .repeatedBlocks());
    assertEquals(0, measure(() -> -1, 20).repeatedBlocks(), "a JVM that does not report compile time");
  }

  @Test
  void aBlockIsMeasuredAgainAtMostMaxRepeatsTimes() {
    AtomicInteger reads = new AtomicInteger();
    InterleavedLatency.Measurement m = measure(compiler(reads, attempt -> true, 100), 10);
    // one block per session, each attempted 1 + MAX_REPEATS times, then kept as measured
    assertEquals(2 * InterleavedLatency.MAX_REPEATS, m.repeatedBlocks());
    assertEquals(2 * 2 * (1 + InterleavedLatency.MAX_REPEATS), reads.get());
    assertTrue(m.stats().get(0).medianMs() > 0);
  }
}

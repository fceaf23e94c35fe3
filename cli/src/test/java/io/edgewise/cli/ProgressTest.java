package io.edgewise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Progress away from a terminal (CI, tests, pipes): one plain line per step, no details, no carriage returns. */
class ProgressTest {
  @Test
  void withoutATerminalEachStepIsOnePlainLine() {
    assumeTrue(!Progress.isTerminal(), "a terminal watches this test run");
    StringWriter err = new StringWriter();
    try (Progress p = Progress.start(new PrintWriter(err, true), "tune")) {
      p.step("shape 1/2 a");
      p.detail("candidate 1 of 9, best 3.0 GFLOP/s");
      p.detail("candidate 2 of 9, best 4.0 GFLOP/s");
      p.step("shape 2/2 b");
      p.above(() -> { });
    }
    assertEquals("tune: shape 1/2 a\ntune: shape 2/2 b\n", err.toString().replace(System.lineSeparator(), "\n"));
  }
}

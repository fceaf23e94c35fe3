package io.edgewise.runtime.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The selection rule on a fake clock: each candidate's run advances the clock by a scripted time, so which plan
 * wins, how many runs each gets and when the measuring stops are computed by hand.
 */
class PlanSelectorTest {
  /** A clock that moves only when a candidate runs, by that candidate's scripted milliseconds. */
  private static final class FakeNode {
    long nanos;
    final double[] ms;
    final int[] calls;

    FakeNode(double... ms) {
      this.ms = ms;
      this.calls = new int[ms.length];
    }

    PlanSelector.Outcome select(List<PlanSelector.Candidate> c) {
      return PlanSelector.select(c, i -> {
        calls[i]++;
        nanos += Math.round(ms[i] * 1e6);
      }, () -> nanos);
    }
  }

  private static List<PlanSelector.Candidate> mixedCpuOpencl() {
    return List.of(new PlanSelector.Candidate("mixed", true, 8), new PlanSelector.Candidate("cpu", false, 10),
        new PlanSelector.Candidate("opencl:0", false, 12));
  }

  @Test
  void aMixedPlanPredictedFastestButMeasuredSlowerLosesToTheFastestSingleDevice() {
    // mixed 11 ms, cpu 10, opencl 20 a run. A block is 3 runs (each reaches the 20 ms block time by its 3rd run):
    // per round 33, 30 and 60 ms timed. cpu's 30 ms per round reaches the 300 ms minimum after 10 rounds, so every
    // candidate gets 10 rounds x 3 = 30 timed runs and 10 uncounted ones; 10 x 164 ms = 1.64 s, within 6 s.
    FakeNode node = new FakeNode(11, 10, 20);
    PlanSelector.Outcome o = node.select(mixedCpuOpencl());
    assertEquals("cpu", o.best().candidate().label());
    assertEquals(List.of(11.0, 10.0, 20.0), o.measured().stream().map(PlanSelector.Measured::measuredMs).toList());
    assertEquals(List.of(30, 30, 30), o.measured().stream().map(PlanSelector.Measured::runs).toList());
    assertEquals(40, node.calls[0]);
    assertEquals(1_640_000_000L, node.nanos);
  }

  @Test
  void aMixedPlanIsKeptOnlyWhenMeasuredThreePercentFasterThanTheBestSingleDevice() {
    // 9.6 < 0.97 x 10 = 9.7: kept
    assertEquals("mixed", new FakeNode(9.6, 10, 20).select(mixedCpuOpencl()).best().candidate().label());
    // 9.8 is faster, but within the margin: the single device
    assertEquals("cpu", new FakeNode(9.8, 10, 20).select(mixedCpuOpencl()).best().candidate().label());
    // the fastest single device is opencl here
    assertEquals("opencl:0", new FakeNode(9.8, 12, 10).select(mixedCpuOpencl()).best().candidate().label());
  }

  @Test
  void slowCandidatesStopAtTheTimeBoundAfterTheMinimumRounds() {
    // 0.8 and 0.9 s runs: a block is 3 runs plus one uncounted, 6.8 s a round for the two: past the 6 s bound after
    // the first round, but the minimum of 3 rounds holds; 9 timed runs each
    FakeNode node = new FakeNode(800, 900);
    PlanSelector.Outcome o = node.select(List.of(new PlanSelector.Candidate("mixed", true, 1),
        new PlanSelector.Candidate("cpu", false, 2)));
    assertEquals(List.of(9, 9), o.measured().stream().map(PlanSelector.Measured::runs).toList());
    assertEquals(3 * (4 * 800 + 4 * 900) * 1_000_000L, node.nanos);
    assertEquals("mixed", o.best().candidate().label());  // 800 < 0.97 x 900 = 873
  }
}

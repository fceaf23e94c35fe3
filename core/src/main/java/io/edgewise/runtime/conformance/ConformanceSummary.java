package io.edgewise.runtime.conformance;

import java.util.List;

/** Totals over a conformance run; {@link #line()} is the contract line `N passed, N failed, N skipped`. */
public record ConformanceSummary(List<TestOutcome> outcomes) {
  public ConformanceSummary {
    outcomes = List.copyOf(outcomes);
  }

  public long count(TestOutcome.Status status) {
    return outcomes.stream().filter(o -> o.status() == status).count();
  }

  public long passed() {
    return count(TestOutcome.Status.PASSED);
  }

  public long failed() {
    return count(TestOutcome.Status.FAILED);
  }

  public long skipped() {
    return count(TestOutcome.Status.SKIPPED);
  }

  public String line() {
    return passed() + " passed, " + failed() + " failed, " + skipped() + " skipped";
  }
}

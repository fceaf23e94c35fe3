package io.edgewise.runtime.conformance;

/** The result of one conformance test directory. */
public record TestOutcome(String name, Status status, String detail, long millis) {
  public enum Status { PASSED, FAILED, SKIPPED }
}

package io.edgewise.serve.pipeline;

/** Decides where each stage run of a job goes, and learns from how the runs went. Called from one job at a time. */
public interface StagePolicy {
  /** Where the call runs. */
  Placement place(StageCall call);

  /** A run finished (wherever it ran): its measured times. */
  default void observe(StageOutcome outcome) {}

  /** A peer run failed (peer down, overloaded, timed out): the runner ran the stage on the device instead. */
  default void peerFailed(StageCall call, RuntimeException cause) {}

  /** A short name for tables ("device-only", "peer-only", "decentralised", ...). */
  String name();
}

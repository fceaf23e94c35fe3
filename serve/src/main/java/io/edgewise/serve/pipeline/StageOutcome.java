package io.edgewise.serve.pipeline;

/**
 * How a stage run went, measured: where it ran, its wall time as the job saw it, and for a peer run the peer's
 * queue and compute time and the bytes that crossed each way.
 */
public record StageOutcome(StageCall call, Placement placement, double wallMs, double peerQueueMs,
    double peerComputeMs, long bytesSent, long bytesReceived) {
  /** Time on the link: the round trip less the peer's queue and compute (0 for a device run). */
  public double transferMs() {
    return placement == Placement.PEER ? Math.max(0, wallMs - peerQueueMs - peerComputeMs) : 0;
  }
}

package io.edgewise.zoo.index;

/**
 * A variant's cost on one target.
 *
 * @param target "device/threads" ("cpu/2")
 * @param medianMs median latency of one inference
 * @param p90Ms 90th percentile
 * @param peakBytes native memory the session held after its runs (weights, arena, buffers; -1 where the device's
 *     memory is not ours to count, as on ort)
 * @param runs timed runs
 * @param kind "measured", or "modeled" (fpga: the analytical model's per-layer figures)
 * @param host the machine it was measured on (re-profiling on another machine replaces the figures)
 */
public record Measurement(String target, double medianMs, double p90Ms, long peakBytes, int runs, String kind,
    String host) {}

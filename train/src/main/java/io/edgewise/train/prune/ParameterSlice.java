package io.edgewise.train.prune;

/**
 * How a pruned model's initializer was cut from the original's: {@code name} in the pruned model holds, along each
 * axis a, the original indices {@code kept[a]} of {@code source} (whose shape was {@code sourceShape}); a null entry
 * keeps that axis whole. A Gemm's weight after Flatten lists channel*spatial indices. Warm starts map one ratio's
 * tuned parameters onto another's through these.
 */
public record ParameterSlice(String name, String source, long[] sourceShape, int[][] kept) {}

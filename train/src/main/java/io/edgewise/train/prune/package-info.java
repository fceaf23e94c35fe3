/**
 * Structured channel pruning (Mistify's pruning transform): {@link io.edgewise.train.prune.ChannelRanking} orders each
 * prunable Conv's output channels by filter L1 norm (convolutions whose outputs are added share one ranking), so that
 * the masks of every ratio come from one ranking and are nested; {@link io.edgewise.train.prune.ChannelPruner} removes
 * the lowest-ranked channels from the Conv, its bias, the batch normalizations after it and every consumer's inputs
 * (convolutions, depthwise convolutions, Gemm/MatMul after Flatten, concatenations at their offsets), keeping the
 * convolutions it cannot prune safely whole and saying why ({@link io.edgewise.train.prune.PruneResult});
 * {@link io.edgewise.train.prune.PruneFineTuner} recovers accuracy with the train package's fine-tuning, optionally
 * warm-started from a lower ratio's tuned weights. May import: {@code io.edgewise}, {@code io.edgewise.tensor},
 * {@code io.edgewise.model}, {@code io.edgewise.model.onnx}, {@code io.edgewise.model.shapes},
 * {@code io.edgewise.train} and {@code io.edgewise.train.ops}; SLF4J.
 */
package io.edgewise.train.prune;

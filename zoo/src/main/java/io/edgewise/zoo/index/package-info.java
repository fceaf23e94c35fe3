/**
 * The model index on LMDB: one record per (base model, variant) with its file's content hash, accuracy, size and
 * latency per device and thread count; Pareto query under constraints.
 */
package io.edgewise.zoo.index;

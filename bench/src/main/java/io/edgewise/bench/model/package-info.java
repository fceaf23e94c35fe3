/**
 * Model loading measured: {@link io.edgewise.bench.model.LoadChainBench} times opening (import, graph passes, the
 * device's planning) and a first run of long Identity and Add chains of 1k, 10k and 100k nodes
 * ({@code bench/run-load-chains.sh}), the figures behind the linear-load claim in docs/benchmarks.md. May import:
 * {@code io.edgewise}, {@code io.edgewise.tensor}, {@code io.edgewise.model}, {@code io.edgewise.model.onnx} and
 * {@code io.edgewise.runtime}; no library.
 */
package io.edgewise.bench.model;

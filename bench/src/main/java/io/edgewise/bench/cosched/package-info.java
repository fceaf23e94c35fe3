/**
 * {@code edgewise cosched-bench}: {@link io.edgewise.bench.cosched.CoschedBenchCommand} co-schedules several models'
 * open-loop Poisson request streams on this machine's device groups with the learned policy of {@code
 * adapt.cosched} and its baselines, and prints measured throughput, latency percentiles and SLO misses per policy.
 * May import: {@code io.edgewise}, {@code io.edgewise.tensor}, {@code io.edgewise.model}, {@code io.edgewise.runtime},
 * {@code io.edgewise.adapt.cosched}, {@code io.edgewise.adapt.cosched.exec} and {@code io.edgewise.cli}; picocli and
 * HdrHistogram.
 */
package io.edgewise.bench.cosched;

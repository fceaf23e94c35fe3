/**
 * {@code edgewise shape-bench}: {@link ShapeBenchCommand} feeds one session inputs of several shapes, each shape alone
 * and all in turn, and prints measured latency, Java heap and native allocations per run. May import:
 * {@code io.edgewise.model}, {@code io.edgewise.nativecore}, {@code io.edgewise.tensor}, {@code io.edgewise.runtime}
 * and {@code io.edgewise.cli}; picocli.
 */
package io.edgewise.bench.shapes;

/**
 * {@code edgewise select-bench}: {@link SelectBenchCommand} runs the model-selection experiment ({@link
 * SelectSimulation}: a simulated device population over the measured profiles of a {@link VariantGroup}'s variants;
 * bandit policies of {@code io.edgewise.adapt} against fixed choices and the oracle). {@link VariantGroup} reads a
 * group.json and builds its pruned, fine-tuned variants into a cache. May import: {@code io.edgewise},
 * {@code io.edgewise.tensor}, {@code io.edgewise.model}, {@code io.edgewise.model.onnx}, {@code io.edgewise.runtime},
 * {@code io.edgewise.train}, {@code io.edgewise.train.prune}, {@code io.edgewise.adapt} and {@code io.edgewise.cli};
 * picocli, Jackson and XChart.
 */
package io.edgewise.bench.select;

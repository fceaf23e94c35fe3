/**
 * On-device training after EF-Train: {@link FineTuner} fine-tunes a classifier as a {@link FineTuneConfig} says
 * ({@link HeadReplacement}, {@link Freezing}, mini-batches, a {@link Checkpoint} per epoch) over a {@link TrainGraph}
 * of {@link HeapTensor}s; {@link TrainingKernels} is the device SPI of the heavy kernels, implemented here for ref,
 * cpu, opencl and fpga; {@link Sgd}, {@link Adam}, {@link LearningRateSchedule} and {@link Loss} drive the updates;
 * {@link Dataset}, {@link DataSplit} and {@link LabeledSamples} load data; {@link TunedModels} writes the result as
 * ONNX. May import: {@code io.edgewise}, {@code io.edgewise.tensor}, {@code io.edgewise.nativecore},
 * {@code io.edgewise.model}, {@code io.edgewise.model.onnx}, {@code io.edgewise.backend.opencl},
 * {@code io.edgewise.backend.fpga} and {@code io.edgewise.train.ops}; Jackson databind and SLF4J.
 */
package io.edgewise.train;

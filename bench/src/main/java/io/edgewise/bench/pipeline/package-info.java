/**
 * {@code edgewise pipeline-bench}: {@link PipelineBenchCommand} runs {@link PipelineExperiment}, the OCR pipeline's
 * stages placed on a device or on a peer in this process over an emulated link (the round trip drawn per job from
 * MDInference's measured distributions, the bandwidth stated per link), comparing device-only, peer-only, the
 * decentralised rule and the per-job oracle over every placement. May import: {@code io.edgewise},
 * {@code io.edgewise.tensor}, {@code io.edgewise.runtime}, {@code io.edgewise.apps.ocr},
 * {@code io.edgewise.serve.peer}, {@code io.edgewise.serve.pipeline}, {@code io.edgewise.bench.budget} (the links'
 * measured round trips) and {@code io.edgewise.cli}; picocli.
 */
package io.edgewise.bench.pipeline;

/**
 * Multi-model pipelines across a device and a peer (issue 25, after Ogden's decentralised pipeline scheduling):
 * each model stage of a job runs here or on a peer, decided per stage and per job on the device from its own
 * measured estimates (local time, the link's round trip and bandwidth, the peer's compute time and load), with no
 * central planner. Only a stage's inputs and outputs cross; the glue between stages (crops, decoding) stays on the
 * device. Entry points: {@link io.edgewise.serve.pipeline.PlacedStageRunner} (an OCR
 * {@link io.edgewise.apps.ocr.StageRunner} over a {@link io.edgewise.serve.peer.PeerClient}) and the policies
 * {@link io.edgewise.serve.pipeline.DecentralisedPlacement} and {@link io.edgewise.serve.pipeline.FixedPlacement}.
 *
 * <p>May import: io.edgewise.apps.ocr, io.edgewise.runtime, io.edgewise.tensor, io.edgewise.serve.peer, SLF4J.
 */
package io.edgewise.serve.pipeline;

/**
 * Dystri (issue 25): deadline-aware dynamic inference on several edge nodes for many users. {@link
 * io.edgewise.serve.dystri.NodeController} runs in every node (admission, an earliest-deadline-first queue, the local
 * level choice from the node's own measured load and per-level latency) behind the peer protocol's LEVEL_INFER and
 * LOAD_QUERY/LOAD_REPORT ({@link io.edgewise.serve.dystri.DystriNode}); {@link io.edgewise.serve.dystri.Coordinator}
 * tracks the nodes' load, routes each request and sets its level per user, and re-routes the requests of a node that
 * dies. A node's levels are a {@link io.edgewise.serve.dystri.LevelExecutor}: {@link
 * io.edgewise.serve.dystri.SessionLevels} (a model's variants, from a {@link io.edgewise.serve.dystri.LevelsFile}) or
 * {@link io.edgewise.serve.dystri.OcrLevels} (the OCR pipeline's detector resolution and line cap). The level rule
 * itself is {@code io.edgewise.adapt.dystri}. May import: {@code io.edgewise}, {@code io.edgewise.tensor}, {@code
 * io.edgewise.model}, {@code io.edgewise.runtime}, {@code io.edgewise.adapt.dystri}, {@code io.edgewise.apps.ocr},
 * {@code io.edgewise.serve.peer}; Netty (TLS contexts), Jackson and SLF4J.
 */
package io.edgewise.serve.dystri;

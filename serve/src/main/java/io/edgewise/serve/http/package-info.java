/**
 * The Open Inference Protocol (KServe v2) over HTTP/1.1 on Netty: {@link HttpInferenceServer} serves a ModelRepository
 * (health, metadata, infer with the binary tensor data extension, /metrics), optionally over TLS;
 * {@link MetricsServer} serves /metrics alone on a port of its own, without a token, for Prometheus;
 * {@link InferRequestParser}, {@link InferRequest}, {@link V2Tensors}, {@link V2Bytes} and {@link BytesTensor} (the
 * BYTES datatype, which pipeline models take), {@link V2Datatype}, {@link BinarySection} and {@link V2Json} (the one
 * mapper, set up for hostile input) are the wire format, which the client reuses; {@link GroupInference} and
 * {@link GroupFeedback} answer a model group's infer (time budgets) and feedback (QoE) requests. May import:
 * {@code io.edgewise}, {@code io.edgewise.tensor}, {@code io.edgewise.model}, {@code io.edgewise.adapt} and
 * {@code io.edgewise.serve.common}; Netty, Jackson (core, databind), Micrometer (core) and SLF4J.
 */
package io.edgewise.serve.http;

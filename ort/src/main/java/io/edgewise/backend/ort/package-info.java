/**
 * The {@code ort} device: {@link OrtBackend}, registered by {@link OrtDeviceProvider}, runs a whole model in ONNX
 * Runtime's Java API (CPU execution provider), as a second oracle and as the benchmarks' yardstick; tensors are
 * converted at the boundary. May import: {@code io.edgewise}, {@code io.edgewise.tensor}, {@code io.edgewise.model},
 * {@code io.edgewise.model.onnx} and {@code io.edgewise.backend}; ONNX Runtime ({@code ai.onnxruntime}).
 */
package io.edgewise.backend.ort;

/**
 * ONNX files to and from the IR: {@link OnnxImporter} reads ModelProto files with bounded parsing, every error naming
 * the file and, where it applies, the node, field and byte offset, with model-local functions inlined
 * ({@link FunctionInliner}); {@link OnnxExporter} writes an IR model back,
 * including the io.edgewise domain of fused ops. May import: {@code io.edgewise}, {@code io.edgewise.tensor} and
 * {@code io.edgewise.model}; protobuf ({@code com.google.protobuf}) and the ONNX protobuf classes
 * ({@code ai.onnx.proto}).
 */
package io.edgewise.model.onnx;

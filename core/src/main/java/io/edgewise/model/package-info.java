/**
 * The graph IR the rest of the runtime works on: {@link Model} (an imported model: its main graph, the opset per
 * domain, provenance; it owns the initializers), {@link Graph} (nodes in topological order, initializers, inputs,
 * outputs, value infos), {@link Node}, {@link Attribute} and {@link ValueInfo}, plus {@link DemoModel}, the built-in
 * model of {@code edgewise demo}. ONNX import and export are in {@code model.onnx}, shape inference in
 * {@code model.shapes}, graph rewrites in {@code model.passes}. May import: {@code io.edgewise} and
 * {@code io.edgewise.tensor}; the ONNX protobuf classes ({@code ai.onnx.proto}, for DemoModel).
 */
package io.edgewise.model;

/**
 * Static and symbolic shape inference: {@link ShapeInference} walks a graph in order and derives each value's element
 * type and dimensions from per-op rules, tracking the small integer tensors exported models compute shapes with;
 * {@link SliceRange} is ONNX Slice's clamping, shared with the kernels. May import: {@code io.edgewise},
 * {@code io.edgewise.tensor} and {@code io.edgewise.model}; no library outside the JDK.
 */
package io.edgewise.model.shapes;

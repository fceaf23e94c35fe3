package io.edgewise.backend.reference.ops;

import io.edgewise.tensor.Shape;

/**
 * What a data-movement op (Transpose, Slice, Split) takes of its input: output element [i0, ..., ik] is the input's
 * element at offset + sum(i_d * strides[d]) (element units). Devices copy the view out with their own strided copy.
 */
public record StridedView(Shape shape, long offset, long[] strides) {}

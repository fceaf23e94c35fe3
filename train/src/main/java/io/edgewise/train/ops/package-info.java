/**
 * Forward and backward of each op training can differentiate: an {@link OpGradient} per op type, looked up in
 * {@link OpGradients} (which also says which inputs are learnable parameters) and called with an {@link OpCall}; the
 * heavy products run on the device's {@link io.edgewise.train.TrainingKernels}. May import: {@code io.edgewise},
 * {@code io.edgewise.tensor}, {@code io.edgewise.model}, {@code io.edgewise.backend}, {@code io.edgewise.backend.exec},
 * {@code io.edgewise.backend.reference}, {@code io.edgewise.backend.reference.ops} and {@code io.edgewise.train}; no
 * library outside the JDK.
 */
package io.edgewise.train.ops;

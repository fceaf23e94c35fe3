/**
 * The op-kernel SPI and the interpreter every device runs on: {@link OpKernel} (one operator, stateless),
 * {@link OpContext} (the node, the opset, the options, and where to record a fallback), {@link OpRegistry} (op type to
 * kernel, each labelled with its device; a device's registry is an overlay of the reference one),
 * {@link GraphInterpreter} (runs a graph node by node, closing intermediates as soon as they are dead) and
 * {@link Placements} (where each node ran, fallbacks included). May import: {@code io.edgewise},
 * {@code io.edgewise.tensor}, {@code io.edgewise.model} and {@code io.edgewise.backend}; no library outside the JDK.
 */
package io.edgewise.backend.exec;

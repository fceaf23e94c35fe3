/**
 * A graph cut into per-device segments and run as one executable: {@link
 * io.edgewise.runtime.partition.Partitioner} cuts the nodes into the fewest runs of one device that a topological
 * order allows (no cycle between segments can arise), {@link io.edgewise.runtime.partition.PartitionedExecutable}
 * runs them in order, passing host tensors between segments and compiling each segment for the input types it is
 * fed. The session uses it to run the nodes its device has no kernel for on ONNX Runtime; the planner that places
 * nodes by cost will use the same cut. May import: io.edgewise (EdgewiseException), io.edgewise.tensor,
 * io.edgewise.model, io.edgewise.backend and io.edgewise.backend.exec; no library.
 */
package io.edgewise.runtime.partition;

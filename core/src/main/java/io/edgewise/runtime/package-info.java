/**
 * What a user opens and runs: {@link Session} (a model opened on one device: import, graph passes, compile; run() is
 * thread-safe and checks its inputs), {@link SessionOptions}, {@link Devices} (resolves device names through the
 * DeviceProviders on the class path and lists what this machine has), the session's graph passes (GraphOptimizer), and
 * measurement: {@link LatencyStats}, {@link InterleavedLatency}, {@link ConvFlops}. May import: {@code io.edgewise},
 * {@code io.edgewise.tensor}, {@code io.edgewise.model}, {@code io.edgewise.model.onnx},
 * {@code io.edgewise.model.shapes}, {@code io.edgewise.model.passes}, {@code io.edgewise.backend},
 * {@code io.edgewise.backend.exec}, {@code io.edgewise.backend.reference} and {@code io.edgewise.backend.cpu}; SLF4J.
 */
package io.edgewise.runtime;

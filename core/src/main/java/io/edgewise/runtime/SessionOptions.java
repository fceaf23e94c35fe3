package io.edgewise.runtime;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.BackendOptions;

/**
 * How a session runs a model. Immutable; the with* methods return a modified copy.
 *
 * @param device a device name from ARCHITECTURE.md: ref, cpu, opencl[:i], fpga[:i], ort, auto
 * @param threads intra-op threads, 0 for the device's default
 * @param optimize apply the graph passes (constant folding, BatchNorm folding, fusion, Identity/Dropout removal)
 * @param fastPaths let the reference device use its native fast paths
 */
public record SessionOptions(String device, int threads, boolean optimize, boolean fastPaths) {
  public SessionOptions {
    if (device == null || device.isBlank()) {
      throw EdgewiseException.invalidArgument("SessionOptions: device must be named (ref, ort, cpu, ...)");
    }
    if (threads < 0) {
      throw EdgewiseException.invalidArgument("SessionOptions: threads must be >= 0, got " + threads);
    }
  }

  public static SessionOptions defaults() {
    return new SessionOptions("ref", 0, true, true);
  }

  public SessionOptions withDevice(String d) {
    return new SessionOptions(d, threads, optimize, fastPaths);
  }

  public SessionOptions withThreads(int t) {
    return new SessionOptions(device, t, optimize, fastPaths);
  }

  public SessionOptions withOptimize(boolean o) {
    return new SessionOptions(device, threads, o, fastPaths);
  }

  public SessionOptions withFastPaths(boolean f) {
    return new SessionOptions(device, threads, optimize, f);
  }

  public BackendOptions backendOptions() {
    return new BackendOptions(threads, fastPaths);
  }
}

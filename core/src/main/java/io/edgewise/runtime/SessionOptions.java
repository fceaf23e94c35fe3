package io.edgewise.runtime;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.cpu.NativeGemm;

/**
 * How a session runs a model. Immutable; the with* methods return a modified copy.
 *
 * @param device a device name from ARCHITECTURE.md: ref, cpu, opencl[:i], fpga[:i], ort, auto
 * @param threads intra-op threads, 0 for the device's default
 * @param optimize apply the graph passes (constant folding, BatchNorm folding, fusion, Identity/Dropout removal)
 * @param refNativeGemm let the reference kernels compute float32 Conv, Gemm and MatMul with the native core's sgemm
 *     (faster, but no longer independent of the native code the oracle checks); off by default, so `ref` is plain
 *     Java
 * @param planDevices the devices the placement planner may use when {@code device} is auto (e.g. cpu, opencl,
 *     fpga); empty for every device found here
 */
public record SessionOptions(String device, int threads, boolean optimize, boolean refNativeGemm,
    java.util.List<String> planDevices) {
  public SessionOptions(String device, int threads, boolean optimize, boolean refNativeGemm) {
    this(device, threads, optimize, refNativeGemm, java.util.List.of());
  }

  public SessionOptions {
    planDevices = planDevices == null ? java.util.List.of() : java.util.List.copyOf(planDevices);
    if (device == null || device.isBlank()) {
      throw EdgewiseException.invalidArgument("SessionOptions: device must be named (ref, ort, cpu, ...)");
    }
    if (threads < 0) {
      throw EdgewiseException.invalidArgument("SessionOptions: threads must be >= 0, got " + threads);
    }
  }

  public static SessionOptions defaults() {
    return new SessionOptions("ref", 0, true, false);
  }

  public SessionOptions withDevice(String d) {
    return new SessionOptions(d, threads, optimize, refNativeGemm, planDevices);
  }

  public SessionOptions withThreads(int t) {
    return new SessionOptions(device, t, optimize, refNativeGemm, planDevices);
  }

  public SessionOptions withOptimize(boolean o) {
    return new SessionOptions(device, threads, o, refNativeGemm, planDevices);
  }

  /** The reference kernels' native GEMM (see {@link #refNativeGemm()}): an explicit choice, never the default. */
  public SessionOptions withRefNativeGemm(boolean n) {
    return new SessionOptions(device, threads, optimize, n, planDevices);
  }

  /** The devices `auto` plans over (see {@link #planDevices()}); empty for every device found. */
  public SessionOptions withPlanDevices(java.util.List<String> d) {
    return new SessionOptions(device, threads, optimize, refNativeGemm, d);
  }

  public BackendOptions backendOptions() {
    return new BackendOptions(threads, refNativeGemm ? NativeGemm.INSTANCE : null);
  }
}

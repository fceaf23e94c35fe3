package io.edgewise.backend.opencl;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device as discovered, with the properties kernels and tuners size themselves by. Immutable; the
 * handles are owned by the OpenCL runtime (devices of a platform are never released).
 *
 * @param index position in the process-wide discovery order, the {@code i} of {@code opencl:i}
 * @param type "GPU", "CPU", "ACCELERATOR" or "CUSTOM"
 * @param hostUnifiedMemory the device reads host memory directly, so buffers can wrap host memory (zero-copy)
 */
public record ClDevice(int index, cl_platform_id platform, cl_device_id id, String platformName,
    String platformVersion, String name, String vendor, String driverVersion, String openclVersion, String type,
    int computeUnits, int maxClockMhz, long globalMemoryBytes, long localMemoryBytes, long maxAllocBytes,
    long maxWorkGroupSize, long[] maxWorkItemSizes, int preferredFloatVectorWidth, boolean hostUnifiedMemory,
    Set<String> extensions) {

  public ClDevice {
    maxWorkItemSizes = maxWorkItemSizes.clone();
    extensions = Set.copyOf(new TreeSet<>(extensions));
  }

  @Override
  public long[] maxWorkItemSizes() {
    return maxWorkItemSizes.clone();
  }

  public boolean hasExtension(String name) {
    return extensions.contains(name);
  }

  /** Half-precision arithmetic (cl_khr_fp16). fp16 storage (vload_half/vstore_half) works on every device. */
  public boolean fp16Arithmetic() {
    return hasExtension("cl_khr_fp16");
  }

  /**
   * Identifies the compiler a program binary came from: a binary is valid only for the same device model,
   * platform and driver version.
   */
  public String compilerIdentity() {
    return platformName + "|" + platformVersion + "|" + vendor + "|" + name + "|" + driverVersion;
  }

  /**
   * A modeled FP32 peak: compute units x clock x preferred float vector width x 2 (an FMA per lane per cycle).
   * Drivers do not report issue width, so this is an estimate, and callers must say so.
   */
  public double modeledPeakGflops() {
    return computeUnits * (double) maxClockMhz * Math.max(1, preferredFloatVectorWidth) * 2 / 1000.0;
  }

  /** One line for `edgewise devices`. */
  public String describe() {
    return platformName + ": " + name + " (" + type + ", " + openclVersion + ", driver " + driverVersion
        + ", local " + (localMemoryBytes >> 10) + " KiB, max work-group " + maxWorkGroupSize + ", fp16 "
        + (fp16Arithmetic() ? "yes" : "storage only") + ", host-unified memory " + (hostUnifiedMemory ? "yes" : "no")
        + ")";
  }

  @Override
  public String toString() {
    return "opencl:" + index + " " + name + " [" + Arrays.toString(maxWorkItemSizes) + "]";
  }
}

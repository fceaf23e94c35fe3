package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.Device;
import io.edgewise.backend.DeviceKind;

/** The contract names {@code opencl[:i]} and the planner's view ({@link Device}) of an OpenCL device. */
public final class ClDevices {
  private ClDevices() {}

  /** The index named by "opencl" (0) or "opencl:i"; throws INVALID_ARGUMENT for anything else. */
  public static int parseIndex(String name, String prefix) {
    if (name.equals(prefix)) {
      return 0;
    }
    if (name.startsWith(prefix + ":")) {
      try {
        int i = Integer.parseInt(name.substring(prefix.length() + 1));
        if (i >= 0) {
          return i;
        }
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw EdgewiseException.invalidArgument("device '" + name + "' is not " + prefix + " or " + prefix
        + ":INDEX (INDEX >= 0)");
  }

  /** The device as `edgewise devices` and the planner see it; its peak is modeled from the device's properties. */
  public static Device asDevice(ClDevice d, String prefix) {
    DeviceKind kind = switch (d.type()) {
      case "GPU" -> DeviceKind.GPU;
      case "ACCELERATOR" -> DeviceKind.FPGA;
      default -> DeviceKind.CPU;
    };
    return new Device(prefix + ":" + d.index(), kind, d.describe(), d.globalMemoryBytes(), d.computeUnits(),
        d.modeledPeakGflops(), "modeled");
  }
}

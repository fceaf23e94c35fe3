package io.edgewise.runtime;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.Backend;
import io.edgewise.backend.Device;
import io.edgewise.backend.cpu.CpuBackend;
import io.edgewise.backend.fpga.FpgaBackend;
import io.edgewise.backend.opencl.ClDevice;
import io.edgewise.backend.opencl.ClDevices;
import io.edgewise.backend.opencl.ClPlatforms;
import io.edgewise.backend.opencl.OpenClBackend;
import io.edgewise.backend.ort.OrtBackend;
import io.edgewise.backend.reference.ReferenceBackend;
import java.util.ArrayList;
import java.util.List;

/** Resolves the device names of ARCHITECTURE.md to backends, and lists what this machine has. */
public final class Devices {
  private Devices() {}

  /**
   * The names a user may pass today, in the order `edgewise devices` lists them (then every opencl:i found). "fpga"
   * (fpga:0) opens only where an FPGA or its emulation and a built image are present (see FpgaTargets).
   */
  public static List<String> names() {
    return List.of("ref", "cpu", "ort", "fpga");
  }

  /** A new backend for the named device; the caller closes it. */
  public static Backend open(String name) {
    if (name.equals("fpga") || name.startsWith("fpga:")) {
      return FpgaBackend.open(name);  // an FPGA (or its emulation) with an image from bitstreams/
    }
    if (name.equals("opencl") || name.startsWith("opencl:")) {
      return new OpenClBackend(ClDevices.parseIndex(name, "opencl"));
    }
    return switch (name) {
      case "ref" -> new ReferenceBackend();
      case "cpu" -> new CpuBackend();
      case "ort" -> new OrtBackend();
      case "auto" -> new CpuBackend();  // the fastest device of ours here; a cost-model planner comes later
      default -> throw EdgewiseException.invalidArgument("unknown device '" + name + "'; available: "
          + String.join(", ", names()) + ", fpga:i, opencl[:i], auto");
    };
  }

  /** Every device that can be opened here, with its properties. */
  public static List<Device> available() {
    List<Device> out = new ArrayList<>();
    for (String n : names()) {
      try (Backend b = open(n)) {
        out.add(b.device());
      } catch (EdgewiseException e) {
        // a device that cannot start here (no driver, no library) is simply not listed
      }
    }
    // every OpenCL device found (discovery opens no context)
    for (ClDevice d : ClPlatforms.devices()) {
      out.add(ClDevices.asDevice(d, "opencl"));
    }
    return out;
  }
}

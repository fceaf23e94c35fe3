package io.edgewise.backend.opencl;

import org.junit.jupiter.api.Assumptions;

/** The OpenCL device tests run on; tests skip, saying why, where this machine has none. */
final class ClTestDevices {
  private ClTestDevices() {}

  static ClDevice first() {
    Assumptions.assumeFalse(ClPlatforms.devices().isEmpty(), () -> "no OpenCL device: "
        + ClPlatforms.unavailableReason());
    return ClPlatforms.devices().get(0);
  }
}

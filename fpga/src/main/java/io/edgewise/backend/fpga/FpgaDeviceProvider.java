package io.edgewise.backend.fpga;

import io.edgewise.backend.Backend;
import io.edgewise.backend.Device;
import io.edgewise.backend.DeviceProvider;
import java.util.List;

/**
 * The `fpga[:i]` device family: opens only where an FPGA or its emulation and a built image are present (see
 * FpgaTargets).
 */
public final class FpgaDeviceProvider implements DeviceProvider {
  @Override
  public String family() {
    return "fpga";
  }

  @Override
  public Backend open(String name) {
    return FpgaBackend.open(name);  // an FPGA (or its emulation) with an image from bitstreams/
  }

  @Override
  public List<Device> discover() {
    try (Backend b = open("fpga")) {
      return List.of(b.device());
    }
  }

  @Override
  public int order() {
    return 30;
  }
}

package io.edgewise.backend.cpu;

import io.edgewise.backend.Backend;
import io.edgewise.backend.Device;
import io.edgewise.backend.DeviceProvider;
import java.util.List;

/** The `cpu` device family: the native core on this machine's cores. */
public final class CpuDeviceProvider implements DeviceProvider {
  @Override
  public String family() {
    return "cpu";
  }

  @Override
  public boolean accepts(String name) {
    return name.equals("cpu");
  }

  @Override
  public Backend open(String name) {
    return new CpuBackend();
  }

  @Override
  public List<Device> discover() {
    try (Backend b = open("cpu")) {
      return List.of(b.device());
    }
  }

  @Override
  public int order() {
    return 10;
  }
}

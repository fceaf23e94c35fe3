package io.edgewise.backend.opencl;

import io.edgewise.backend.Backend;
import io.edgewise.backend.Device;
import io.edgewise.backend.DeviceProvider;
import java.util.List;

/** The `opencl[:i]` device family: every OpenCL device the installed ICDs offer (discovery opens no context). */
public final class OpenClDeviceProvider implements DeviceProvider {
  @Override
  public String family() {
    return "opencl";
  }

  @Override
  public Backend open(String name) {
    return new OpenClBackend(ClDevices.parseIndex(name, "opencl"));
  }

  @Override
  public List<Device> discover() {
    return ClPlatforms.devices().stream().map(d -> ClDevices.asDevice(d, "opencl")).toList();
  }

  @Override
  public int order() {
    return 40;
  }
}

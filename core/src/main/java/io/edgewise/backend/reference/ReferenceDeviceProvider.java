package io.edgewise.backend.reference;

import io.edgewise.backend.Backend;
import io.edgewise.backend.Device;
import io.edgewise.backend.DeviceProvider;
import java.util.List;

/** The `ref` device family: the plain-Java oracle, always present. */
public final class ReferenceDeviceProvider implements DeviceProvider {
  @Override
  public String family() {
    return "ref";
  }

  @Override
  public boolean accepts(String name) {
    return name.equals("ref");
  }

  @Override
  public Backend open(String name) {
    return new ReferenceBackend();
  }

  @Override
  public List<Device> discover() {
    try (Backend b = open("ref")) {
      return List.of(b.device());
    }
  }

  @Override
  public int order() {
    return 0;
  }
}

package io.edgewise.backend.ort;

import io.edgewise.backend.Backend;
import io.edgewise.backend.Device;
import io.edgewise.backend.DeviceProvider;
import java.util.List;

/** The `ort` device family: the whole model in ONNX Runtime. */
public final class OrtDeviceProvider implements DeviceProvider {
  @Override
  public String family() {
    return "ort";
  }

  @Override
  public boolean accepts(String name) {
    return name.equals("ort");
  }

  @Override
  public Backend open(String name) {
    return new OrtBackend();
  }

  @Override
  public List<Device> discover() {
    try (Backend b = open("ort")) {
      return List.of(b.device());
    }
  }

  @Override
  public int order() {
    return 20;
  }
}

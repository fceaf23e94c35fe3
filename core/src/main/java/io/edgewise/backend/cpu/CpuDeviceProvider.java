package io.edgewise.backend.cpu;

import io.edgewise.backend.Backend;
import io.edgewise.backend.SingleDeviceProvider;

/** The `cpu` device family: the native core on this machine's cores. */
public final class CpuDeviceProvider extends SingleDeviceProvider {
  public CpuDeviceProvider() {
    super("cpu", 10);
  }

  @Override
  protected Backend create() {
    return new CpuBackend();
  }
}

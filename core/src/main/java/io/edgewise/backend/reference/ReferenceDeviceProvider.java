package io.edgewise.backend.reference;

import io.edgewise.backend.Backend;
import io.edgewise.backend.SingleDeviceProvider;

/** The `ref` device family: the plain-Java oracle, always present. */
public final class ReferenceDeviceProvider extends SingleDeviceProvider {
  public ReferenceDeviceProvider() {
    super("ref", 0);
  }

  @Override
  protected Backend create() {
    return new ReferenceBackend();
  }
}

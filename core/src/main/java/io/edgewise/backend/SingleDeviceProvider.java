package io.edgewise.backend;

import java.util.List;

/** A device family of exactly one device, named as the family ("ref", "cpu", "ort"). */
public abstract class SingleDeviceProvider implements DeviceProvider {
  private final String family;
  private final int order;

  protected SingleDeviceProvider(String family, int order) {
    this.family = family;
    this.order = order;
  }

  /** A new backend of the device; the caller closes it. */
  protected abstract Backend create();

  @Override
  public final String family() {
    return family;
  }

  @Override
  public final boolean accepts(String name) {
    return name.equals(family);
  }

  @Override
  public final Backend open(String name) {
    return create();
  }

  @Override
  public final List<Device> discover() {
    try (Backend b = create()) {
      return List.of(b.device());
    }
  }

  @Override
  public final int order() {
    return order;
  }
}

package io.edgewise.backend.ort;

import io.edgewise.backend.Backend;
import io.edgewise.backend.SingleDeviceProvider;

/** The `ort` device family: the whole model (or the segments no device of ours runs) in ONNX Runtime. */
public final class OrtDeviceProvider extends SingleDeviceProvider {
  public OrtDeviceProvider() {
    super("ort", 20);
  }

  @Override
  protected Backend create() {
    return new OrtBackend();
  }
}

package io.edgewise.backend.ort;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Device;
import io.edgewise.backend.DeviceKind;
import io.edgewise.backend.Executable;
import io.edgewise.model.Model;
import io.edgewise.model.Node;

/** The `ort` device: whole models in ONNX Runtime Java (placeholder until the ORT backend lands). */
public final class OrtBackend implements Backend {
  @Override
  public Device device() {
    return new Device("ort", DeviceKind.CPU, "ONNX Runtime (CPU execution provider)", 0, 
        Runtime.getRuntime().availableProcessors(), 0, "unknown");
  }

  @Override
  public String unsupportedReason(Node node, int opset) {
    return null;
  }

  @Override
  public Executable compile(Model model, BackendOptions options) {
    throw EdgewiseException.notImplemented("ort backend not wired yet");
  }
}

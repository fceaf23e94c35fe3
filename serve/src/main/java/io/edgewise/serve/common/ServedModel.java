package io.edgewise.serve.common;

import io.edgewise.runtime.Session;
import java.nio.file.Path;

/**
 * One version of one model of a {@link ModelRepository}: loaded (its session ready to run) or unavailable (with the
 * reason its load failed). The repository owns the session; users never close it.
 *
 * @param name the model's directory name
 * @param version the version directory name (a positive integer)
 * @param file the model.onnx, inside the repository
 * @param sha256 hex digest of model.onnx as read (peers compare it), null when the load failed before reading
 * @param session the open session, null when unavailable
 * @param failure why the load failed, null when loaded
 */
public record ServedModel(String name, String version, Path file, String sha256, Session session, String failure) {

  public boolean isReady() {
    return session != null;
  }

  /** "resnet18/1", as errors and logs name it. */
  public String label() {
    return name + "/" + version;
  }
}

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
 * @param session the open session, null when unavailable or a pipeline
 * @param failure why the load failed, null when loaded
 * @param pipeline the open pipeline of a model whose config.json declares one (its file is that config.json); null
 *     for an ONNX model
 */
public record ServedModel(String name, String version, Path file, String sha256, Session session, String failure,
    ServedPipeline pipeline) {

  /** An ONNX model, loaded (session) or not (failure). */
  public ServedModel(String name, String version, Path file, String sha256, Session session, String failure) {
    this(name, version, file, sha256, session, failure, null);
  }

  public boolean isReady() {
    return session != null || pipeline != null;
  }

  /** The device a ready model runs on. */
  public String deviceName() {
    return session != null ? session.deviceName() : pipeline.deviceName();
  }

  /** "resnet18/1", as errors and logs name it. */
  public String label() {
    return name + "/" + version;
  }
}

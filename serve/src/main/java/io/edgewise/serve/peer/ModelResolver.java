package io.edgewise.serve.peer;

import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.peer.PeerMessage.ModelInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where a peer finds the models it may run, by the sha256 of their ONNX file: a device names the model it split
 * by that hash, so both sides are sure to cut the same graph. The HTTP half's model repository can back it
 * (its ServedModel has the file and its sha256).
 */
public interface ModelResolver {
  /** The models offered in CAPABILITIES. */
  List<ModelInfo> models();

  /** The ONNX file whose sha256 (lower-case hex) is the given one, if served. */
  Optional<Path> locate(String sha256);

  /** How that model is to run here (device, threads), when the source says; else the peer server's default. */
  default Optional<SessionOptions> options(String sha256) {
    return Optional.empty();
  }
}

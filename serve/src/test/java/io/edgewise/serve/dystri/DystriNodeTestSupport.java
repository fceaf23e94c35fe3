package io.edgewise.serve.dystri;

import io.edgewise.serve.peer.ModelResolver;
import io.edgewise.serve.peer.PeerMessage.ModelInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A model resolver offering nothing, for a peer server in front of a coordinator. */
final class DystriNodeTestSupport {
  private DystriNodeTestSupport() {}

  static ModelResolver noModels() {
    return new ModelResolver() {
      @Override
      public List<ModelInfo> models() {
        return List.of();
      }

      @Override
      public Optional<Path> locate(String sha256) {
        return Optional.empty();
      }
    };
  }
}

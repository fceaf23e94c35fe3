package io.edgewise.serve.peer;

import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.common.ModelRepository;
import io.edgewise.serve.common.ServedModel;
import io.edgewise.serve.peer.PeerMessage.ModelInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The models of `edgewise serve`'s repository, offered to peers by the sha256 the repository computed when it loaded
 * them. Only files the repository already accepted (inside its root) can be named; each runs with the options its
 * config gave it (device, threads).
 */
final class RepositoryModelResolver implements ModelResolver {
  private final ModelRepository repository;

  RepositoryModelResolver(ModelRepository repository) {
    this.repository = repository;
  }

  @Override
  public List<ModelInfo> models() {
    return repository.all().stream().filter(RepositoryModelResolver::isOnnx)
        .map(m -> new ModelInfo(m.name() + "/" + m.version(), m.sha256())).toList();
  }

  @Override
  public Optional<Path> locate(String sha256) {
    return served(sha256).map(ServedModel::file);
  }

  @Override
  public Optional<SessionOptions> options(String sha256) {
    return served(sha256).map(m -> m.session().options());
  }

  private Optional<ServedModel> served(String sha256) {
    return repository.all().stream().filter(m -> isOnnx(m) && sha256.equals(m.sha256())).findFirst();
  }

  /** A loaded ONNX model; pipelines (BYTES in, BYTES out, several sessions) are not offered to peers. */
  private static boolean isOnnx(ServedModel m) {
    return m.session() != null;
  }
}

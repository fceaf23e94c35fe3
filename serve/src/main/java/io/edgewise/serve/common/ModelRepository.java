package io.edgewise.serve.common;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.ConfinedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of models laid out as Triton's and KServe's model repositories are:
 * {@code ROOT/<name>/<version>/model.onnx}, with an optional {@code ROOT/<name>/config.json} (see
 * {@link ModelConfig}); or {@code ROOT/<name>/config.json} alone declaring a pipeline, served as version 1 (see
 * {@link PipelineConfig}). Every version is loaded when the repository opens; a version that fails to load stays
 * listed as unavailable with its reason, so the server can say why instead of "not found".
 *
 * <p>Nothing outside the root is ever read: names must match {@link #NAME}, versions are positive integers, and
 * every file's real path (symbolic links resolved) must lie inside the root's real path; files are opened without
 * following links after that check, and files with several hard links are refused ({@link ConfinedFiles}). Requests look models up
 * by name in memory; no request string ever becomes a file path. Shared by the HTTP and the peer servers.
 */
public final class ModelRepository implements AutoCloseable {
  /** A model directory name: letters, digits, '_', '-', '.'; not starting with '.', at most 128 characters. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  /** A version directory name: a positive integer without leading zeros. */
  public static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,8}");
  public static final String MODEL_FILE = "model.onnx";

  private static final Logger LOG = LoggerFactory.getLogger(ModelRepository.class);

  private final Path root;
  /** name -> version number -> model, versions in ascending order. */
  private final Map<String, TreeMap<Integer, ServedModel>> models;
  private boolean closed;

  private ModelRepository(Path root, Map<String, TreeMap<Integer, ServedModel>> models) {
    this.root = root;
    this.models = models;
  }

  /**
   * Opens every model version under root. Versions run with {@code defaults} unless the model's config.json says
   * otherwise. Throws when root is not a readable directory; a model that fails to load does not stop the others.
   */
  public static ModelRepository open(Path root, SessionOptions defaults) {
    Path real;
    try {
      real = root.toRealPath();
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.NOT_FOUND, root + ": the model repository does not exist", e);
    }
    if (!Files.isDirectory(real)) {
      throw EdgewiseException.invalidArgument(root + ": the model repository must be a directory");
    }
    Map<String, TreeMap<Integer, ServedModel>> models = new LinkedHashMap<>();
    try {
      for (Path modelDir : list(real)) {
        String name = modelDir.getFileName().toString();
        if (!Files.isDirectory(modelDir)) {
          continue;
        }
        if (!NAME.matcher(name).matches()) {
          LOG.warn("{}: skipped: a model name must match {}", modelDir, NAME.pattern());
          continue;
        }
        TreeMap<Integer, ServedModel> versions = loadVersions(real, modelDir, name, defaults);
        if (!versions.isEmpty()) {
          models.put(name, versions);
        }
      }
    } catch (RuntimeException e) {
      closeAll(models);
      throw e;
    }
    return new ModelRepository(real, models);
  }

  private static TreeMap<Integer, ServedModel> loadVersions(Path root, Path modelDir, String name,
      SessionOptions defaults) {
    TreeMap<Integer, ServedModel> versions = new TreeMap<>();
    SessionOptions options;
    String configError = null;
    try {
      Path configFile = modelDir.resolve(ModelConfig.FILE_NAME);
      byte[] config = readConfig(root, configFile);
      if (PipelineConfig.declaresPipeline(config)) {
        versions.put(1, loadPipeline(root, name, configFile, config, defaults));
        return versions;
      }
      options = ModelConfig.apply(config, configFile, defaults);
    } catch (EdgewiseException e) {
      options = defaults;
      configError = e.getMessage();
    }
    for (Path versionDir : list(modelDir)) {
      String version = versionDir.getFileName().toString();
      if (!Files.isDirectory(versionDir) || !VERSION.matcher(version).matches()) {
        continue;
      }
      Path file = versionDir.resolve(MODEL_FILE);
      ServedModel served;
      if (configError != null) {
        served = new ServedModel(name, version, file, null, null, configError);
      } else {
        served = load(root, name, version, file, options);
      }
      logLoad(served);
      versions.put(Integer.parseInt(version), served);
    }
    return versions;
  }

  private static void logLoad(ServedModel served) {
    if (served.isReady()) {
      LOG.info("loaded {} on {}", served.label(), served.deviceName());
    } else {
      LOG.warn("{} is unavailable: {}", served.label(), served.failure());
    }
  }

  /** A model directory whose config.json declares a pipeline: version 1, the pipeline (see PipelineConfig). */
  private static ServedModel loadPipeline(Path root, String name, Path configFile, byte[] config,
      SessionOptions defaults) {
    ServedModel served;
    try {
      served = new ServedModel(name, "1", configFile, null, null, null,
          PipelineConfig.open(root, configFile, config, defaults));
    } catch (EdgewiseException e) {
      served = new ServedModel(name, "1", configFile, null, null, e.getMessage());
    }
    logLoad(served);
    return served;
  }

  private static ServedModel load(Path root, String name, String version, Path file, SessionOptions options) {
    try {
      // read once, by its real path inside the root, opened without following links (ConfinedFiles); the session
      // imports these bytes, and its external data is confined to the model's real directory
      Path real;
      byte[] bytes;
      try (ConfinedFiles.Opened f = ConfinedFiles.open(root, file, ErrorCode.INVALID_ARGUMENT, file.toString())) {
        if (f.size() > OnnxImporter.MAX_MODEL_BYTES) {
          throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, file + ": " + f.size() + " bytes is larger than "
              + "protobuf's 2 GiB limit");
        }
        real = f.realPath();
        bytes = f.read(0, (int) f.size());
      } catch (IOException e) {
        throw new EdgewiseException(ErrorCode.IO, file + ": cannot read: " + e.getMessage(), e);
      }
      Session session = Session.open(OnnxImporter.load(bytes, real), options);
      return new ServedModel(name, version, real, session.model().contentHash(), session, null);
    } catch (EdgewiseException e) {
      return new ServedModel(name, version, file, null, null, e.getMessage());
    }
  }

  /** A model's config.json read inside root (see ConfinedFiles), or null when there is none. */
  private static byte[] readConfig(Path root, Path file) {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    return ConfinedFiles.readAll(root, file, ModelConfig.MAX_BYTES, ErrorCode.INVALID_ARGUMENT, file.toString());
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, dir + ": cannot list the directory: " + e.getMessage(), e);
    }
  }

  public Path root() {
    return root;
  }

  /** The model names, sorted. */
  public List<String> names() {
    return List.copyOf(models.keySet());
  }

  /** Every version of every model, loaded or not. */
  public List<ServedModel> all() {
    List<ServedModel> out = new ArrayList<>();
    models.values().forEach(v -> out.addAll(v.values()));
    return Collections.unmodifiableList(out);
  }

  /** A model's versions in ascending order; empty when the name is unknown. */
  public List<String> versions(String name) {
    TreeMap<Integer, ServedModel> v = models.get(name);
    return v == null ? List.of() : v.values().stream().map(ServedModel::version).toList();
  }

  /**
   * One version of a model; version null or empty means the highest version. Empty when the name or the version is
   * unknown; an unavailable version is returned (check {@link ServedModel#isReady()}).
   */
  public Optional<ServedModel> find(String name, String version) {
    TreeMap<Integer, ServedModel> v = name == null ? null : models.get(name);
    if (v == null || v.isEmpty()) {
      return Optional.empty();
    }
    if (version == null || version.isEmpty()) {
      return Optional.of(v.lastEntry().getValue());
    }
    if (!VERSION.matcher(version).matches()) {
      return Optional.empty();
    }
    return Optional.ofNullable(v.get(Integer.parseInt(version)));
  }

  /** Whether every version of every model loaded. */
  public boolean allReady() {
    return all().stream().allMatch(ServedModel::isReady);
  }

  /** Closes every session; waits for runs in flight (Session.close does). */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      closeAll(models);
    }
  }

  private static void closeAll(Map<String, TreeMap<Integer, ServedModel>> models) {
    for (TreeMap<Integer, ServedModel> v : models.values()) {
      for (ServedModel m : v.values()) {
        if (m.session() != null) {
          m.session().close();
        }
        if (m.pipeline() != null) {
          m.pipeline().close();
        }
      }
    }
  }
}

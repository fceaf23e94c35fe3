package io.edgewise.serve.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.ConfinedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A model directory whose config.json declares {@code "pipeline"} instead of holding version directories: a
 * {@link ServedPipeline} served as version 1. The config names its files by relative path; each is looked for in the
 * model's own directory (read confined to the repository, as every model file is) and else, by the same relative
 * path, in the shared OCR models directories beside the server's working directory, {@code ../shared/testdata/ocr}
 * and {@code build/ocr-models} (where scripts/fetch-ocr-models.sh puts them), read confined to that directory. The
 * config is the operator's, never a request's: no request text ever names a file.
 */
public final class PipelineConfig {
  /** The key that makes a config.json a pipeline's. */
  public static final String KEY = "pipeline";
  /** Where a file the model directory lacks is looked for, relative to the working directory, in order. */
  public static final List<Path> SHARED_DIRS = List.of(Path.of("../shared/testdata/ocr"), Path.of("build/ocr-models"));
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Keys ModelConfig reads (how the sessions run); the pipeline passes them on. */
  private static final Set<String> SESSION_KEYS = Set.of("device", "threads");

  private PipelineConfig() {}

  /** Whether the config.json bytes (null when there is none) hold a JSON object with a "pipeline" key. */
  static boolean declaresPipeline(byte[] bytes) {
    if (bytes == null || bytes.length > ModelConfig.MAX_BYTES) {
      return false;
    }
    try {
      JsonNode root = MAPPER.readTree(bytes);
      return root != null && root.isObject() && root.has(KEY);
    } catch (IOException e) {
      return false;  // ModelConfig reports the malformed JSON
    }
  }

  /**
   * Opens the pipeline a config.json declares. root is the repository (real path), config the file (it names it in
   * messages), defaults the server's session options, which "device" and "threads" override.
   */
  static ServedPipeline open(Path root, Path config, byte[] bytes, SessionOptions defaults) {
    JsonNode node;
    try {
      node = MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw EdgewiseException.invalidArgument(config + ": not valid JSON: " + e.getMessage());
    }
    JsonNode kind = node.get(KEY);
    if (kind == null || !kind.isTextual()) {
      throw EdgewiseException.invalidArgument(config + ": \"" + KEY + "\" must be a string (known: \"ocr\", "
          + "\"group\")");
    }
    if (kind.asText().equals(ServedGroup.KIND)) {
      return ServedGroup.open(root, config, (ObjectNode) node, defaults);
    }
    if (!kind.asText().equals(OcrServedPipeline.KIND)) {
      throw EdgewiseException.invalidArgument(config + ": unknown pipeline \"" + kind.asText() + "\" (known: \""
          + OcrServedPipeline.KIND + "\", \"" + ServedGroup.KIND + "\")");
    }
    return OcrServedPipeline.open(root, config, (ObjectNode) node, defaults);
  }

  /** Refuses keys outside {@code known} and the session keys, so that a misspelt setting is never ignored. */
  static void checkKeys(JsonNode node, Set<String> known, Path config) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!known.contains(key) && !SESSION_KEYS.contains(key) && !key.equals(KEY)) {
        List<String> all = new ArrayList<>(known);
        all.addAll(SESSION_KEYS);
        all.add(KEY);
        throw EdgewiseException.invalidArgument(config + ": unknown key \"" + key + "\" (known: " + all.stream()
            .sorted().toList() + ")");
      }
    }
  }

  /** The session options of the config: the defaults with its "device" and "threads", checked by ModelConfig. */
  static SessionOptions sessionOptions(JsonNode node, Path config, SessionOptions defaults) {
    ObjectNode session = MAPPER.createObjectNode();
    for (String key : SESSION_KEYS) {
      if (node.has(key)) {
        session.set(key, node.get(key));
      }
    }
    try {
      return ModelConfig.apply(MAPPER.writeValueAsBytes(session), config, defaults);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.INTERNAL, config + ": " + e.getMessage(), e);
    }
  }

  /** A string key naming a file; required. */
  static String fileKey(JsonNode node, String key, Path config) {
    JsonNode v = node.get(key);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw EdgewiseException.invalidArgument(config + ": \"" + key + "\" must name a file (a relative path)");
    }
    return v.asText();
  }

  /** An optional positive integer key. */
  static long positive(JsonNode node, String key, long defaultValue, Path config) {
    JsonNode v = node.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1) {
      throw EdgewiseException.invalidArgument(config + ": \"" + key + "\" must be a positive integer");
    }
    return v.asLong();
  }

  /**
   * Reads a file the config names by a relative path: from the model's directory when it is there (confined to the
   * repository root), else from the first shared directory that has it (confined to that directory). At most
   * maxBytes. The result names where it was found.
   */
  static Found read(Path root, Path config, String key, String relative, long maxBytes) {
    String what = config + ": \"" + key + "\" " + relative;
    Path rel;
    try {
      rel = Path.of(relative);
    } catch (RuntimeException e) {
      throw EdgewiseException.invalidArgument(what + ": not a path");
    }
    if (rel.isAbsolute()) {
      throw EdgewiseException.invalidArgument(what + ": must be a relative path (to the model's directory or to "
          + SHARED_DIRS.get(0) + ")");
    }
    Path local = config.getParent().resolve(rel);
    if (Files.exists(local, LinkOption.NOFOLLOW_LINKS)) {
      return new Found(ConfinedFiles.readAll(root, local, maxBytes, ErrorCode.INVALID_ARGUMENT, what), local);
    }
    for (Path dir : SHARED_DIRS) {
      Path shared = dir.resolve(rel);
      if (Files.isDirectory(dir) && Files.exists(shared, LinkOption.NOFOLLOW_LINKS)) {
        // rel is resolved against dir's real path and must stay inside it
        return new Found(ConfinedFiles.readAll(dir, rel, maxBytes, ErrorCode.INVALID_ARGUMENT, what),
            shared.toAbsolutePath().normalize());
      }
    }
    throw new EdgewiseException(ErrorCode.NOT_FOUND, what + ": in neither " + config.getParent() + " nor "
        + String.join(" nor ", SHARED_DIRS.stream().map(Path::toString).toList()) + " (get the OCR models with "
        + "scripts/fetch-ocr-models.sh, or copy them into the model's directory)");
  }

  /** A file's bytes and the path they were read from. */
  record Found(byte[] bytes, Path path) {}
}

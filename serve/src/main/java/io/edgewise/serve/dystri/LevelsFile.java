package io.edgewise.serve.dystri;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.EdgewiseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's levels as a file (what {@code edgewise serve --levels} and {@code edgewise coordinator --levels} read, and
 * {@code dystri-bench --export-levels} writes):
 *
 * <pre>
 * {"name": "digits", "levels": [
 *   {"name": "pruned875", "model": "pruned875.onnx", "accuracy": 0.9511},
 *   ...
 *   {"name": "float", "model": "float.onnx", "accuracy": 0.9822}]}
 * </pre>
 *
 * cheapest first; model paths relative to the file's directory; accuracy as measured on evaluation data when the
 * variant was built. The cost is not in the file: every node measures its own when it opens the levels.
 */
public final class LevelsFile {
  private LevelsFile() {}

  public static List<SessionLevels.Spec> read(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw EdgewiseException.invalidArgument("levels file " + file + ": cannot read it: " + e.getMessage());
    }
    JsonNode levels = root == null ? null : root.get("levels");
    if (levels == null || !levels.isArray() || levels.isEmpty()) {
      throw EdgewiseException.invalidArgument("levels file " + file + ": needs a non-empty \"levels\" array");
    }
    Path dir = file.toAbsolutePath().getParent();
    List<SessionLevels.Spec> out = new ArrayList<>();
    for (int i = 0; i < levels.size(); i++) {
      JsonNode l = levels.get(i);
      String name = l.path("name").asText("");
      String model = l.path("model").asText("");
      JsonNode acc = l.get("accuracy");
      if (name.isBlank() || model.isBlank() || acc == null || !acc.isNumber() || !(acc.asDouble() >= 0
          && acc.asDouble() <= 1)) {
        throw EdgewiseException.invalidArgument("levels file " + file + ": levels[" + i + "] needs \"name\", "
            + "\"model\" and an \"accuracy\" in [0, 1]");
      }
      Path p = dir.resolve(model).normalize();
      if (!Files.isRegularFile(p)) {
        throw EdgewiseException.invalidArgument("levels file " + file + ": levels[" + i + "] model " + p
            + " not found");
      }
      out.add(new SessionLevels.Spec(name, p, acc.asDouble()));
    }
    return out;
  }

  /** Writes specs (cheapest first) to file, model paths relative to its directory. */
  public static void write(Path file, String name, List<SessionLevels.Spec> specs) throws IOException {
    ObjectMapper json = new ObjectMapper();
    var root = json.createObjectNode();
    root.put("name", name);
    var arr = root.putArray("levels");
    Path dir = file.toAbsolutePath().getParent();
    for (SessionLevels.Spec s : specs) {
      arr.addObject().put("name", s.name()).put("model", dir.relativize(s.model().toAbsolutePath()).toString())
          .put("accuracy", s.accuracy());
    }
    json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
  }
}

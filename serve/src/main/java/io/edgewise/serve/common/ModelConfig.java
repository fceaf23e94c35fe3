package io.edgewise.serve.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.runtime.SessionOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;

/**
 * The optional models/&lt;name&gt;/config.json: how the versions of one model run. Keys: "device" (a device name
 * such as "cpu" or "ref") and "threads" (intra-op threads, 0 for the device default). Any other key is an error,
 * so that a misspelt setting is never silently ignored.
 */
final class ModelConfig {
  static final String FILE_NAME = "config.json";
  static final long MAX_BYTES = 64 * 1024;
  private static final Set<String> KEYS = Set.of("device", "threads");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ModelConfig() {}

  /**
   * The options for one model: the server's defaults overridden by its config.json when present (bytes null when
   * there is none; the repository reads the file, confined to its root). config names the file in messages.
   */
  static SessionOptions apply(byte[] bytes, Path config, SessionOptions defaults) {
    if (bytes == null) {
      return defaults;
    }
    JsonNode root;
    try {
      if (bytes.length > MAX_BYTES) {
        throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, config + ": larger than " + MAX_BYTES + " bytes");
      }
      root = MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw EdgewiseException.invalidArgument(config + ": not valid JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw EdgewiseException.invalidArgument(config + ": must hold a JSON object");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!KEYS.contains(key)) {
        throw EdgewiseException.invalidArgument(config + ": unknown key \"" + key + "\" (known: " + KEYS + ")");
      }
    }
    SessionOptions o = defaults;
    JsonNode device = root.get("device");
    if (device != null) {
      if (!device.isTextual()) {
        throw EdgewiseException.invalidArgument(config + ": \"device\" must be a string such as \"cpu\"");
      }
      o = o.withDevice(device.asText());
    }
    JsonNode threads = root.get("threads");
    if (threads != null) {
      if (!threads.isIntegralNumber() || threads.asLong() < 0 || threads.asLong() > 1024) {
        throw EdgewiseException.invalidArgument(config + ": \"threads\" must be an integer in 0..1024");
      }
      o = o.withThreads(threads.asInt());
    }
    return o;
  }
}

package io.edgewise.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgewise.EdgewiseException;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The bodies of the model repository extension's requests: the index's ready filter, a load's config. */
final class ModelControlRequests {
  private ModelControlRequests() {}

  /** POST /v2/repository/index: an empty body or {"ready": bool}; true keeps only the ready versions. */
  static boolean readyFilter(ByteBuf body) {
    JsonNode root = object(body, "the index request");
    if (root == null) {
      return false;
    }
    JsonNode ready = root.get("ready");
    if (ready == null || ready.isNull()) {
      return false;
    }
    if (!ready.isBoolean()) {
      throw EdgewiseException.invalidArgument("the index request's \"ready\" must be true or false");
    }
    return ready.asBoolean();
  }

  /**
   * POST /v2/repository/models/{name}/load: an empty body, or {"parameters": {"config": "..."}} with the model's
   * configuration (the keys of config.json) as a JSON string, as Triton takes it, or as an object. Null: none.
   */
  static byte[] loadConfig(ByteBuf body) {
    JsonNode root = object(body, "the load request");
    if (root == null) {
      return null;
    }
    JsonNode parameters = root.get("parameters");
    if (parameters == null || parameters.isNull()) {
      return null;
    }
    if (!parameters.isObject()) {
      throw EdgewiseException.invalidArgument("the load request's \"parameters\" must be an object");
    }
    JsonNode config = parameters.get("config");
    if (config == null || config.isNull()) {
      return null;
    }
    if (config.isTextual()) {
      return config.asText().getBytes(StandardCharsets.UTF_8);
    }
    if (config.isObject()) {
      return config.toString().getBytes(StandardCharsets.UTF_8);
    }
    throw EdgewiseException.invalidArgument("the load request's \"parameters.config\" must be a JSON string (or "
        + "object) holding the model configuration");
  }

  private static JsonNode object(ByteBuf body, String what) {
    if (body == null || body.readableBytes() == 0) {
      return null;
    }
    byte[] bytes = new byte[body.readableBytes()];
    body.getBytes(body.readerIndex(), bytes);
    JsonNode root;
    try {
      root = V2Json.MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw EdgewiseException.invalidArgument(what + " is not valid JSON: " + V2Datatype.clip(e.getMessage()));
    }
    if (root == null || root.isMissingNode()) {
      return null;
    }
    if (!root.isObject()) {
      throw EdgewiseException.invalidArgument(what + " must be a JSON object");
    }
    return root;
  }
}

package io.edgewise.serve.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.EdgewiseException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The one Jackson mapper of the HTTP protocol, configured for hostile input: shallow nesting, short numbers and
 * strings, duplicate keys and trailing content refused. Messages name the byte offset of the fault.
 */
public final class V2Json {
  /** Deeper JSON than this is refused (nested "data" arrays of a rank-32 tensor still fit). */
  static final int MAX_DEPTH = 40;
  /**
   * Longer strings than this are refused: room for a BYTES element in base64 (a 16 MiB image is 21.3 MiB of it);
   * the body limit bounds a request in any case.
   */
  static final int MAX_STRING = 32 << 20;

  public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxNumberLength(400)
          .maxStringLength(MAX_STRING).maxNameLength(1024).build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build())
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private V2Json() {}

  /** Parses one JSON object from the buffer's remaining bytes. */
  public static JsonNode readObject(ByteBuffer json, String what) {
    JsonNode root;
    try {
      byte[] bytes = new byte[json.remaining()];
      json.duplicate().get(bytes);
      root = MAPPER.readTree(bytes);
    } catch (IOException e) {
      // Jackson's message quotes the offending token and its location; keep its first line only
      String m = e.getMessage() == null ? e.toString() : e.getMessage();
      int nl = m.indexOf('\n');
      throw EdgewiseException.invalidArgument(what + " is not valid JSON: "
          + V2Datatype.clip(nl < 0 ? m : m.substring(0, nl)) + locationOf(e));
    }
    if (root == null || !root.isObject()) {
      throw EdgewiseException.invalidArgument(what + " must be a JSON object");
    }
    return root;
  }

  private static String locationOf(IOException e) {
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException p && p.getLocation() != null) {
      return " (at byte " + p.getLocation().getByteOffset() + ")";
    }
    return "";
  }
}

package io.edgewise.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgewise.EdgewiseException;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the body of POST .../infer: the inference request JSON object of the Open Inference Protocol, and with
 * the binary tensor data extension (header Inference-Header-Content-Length: N) a JSON header of N bytes followed by
 * the binary tensors. Numeric inputs become tensors, BYTES inputs {@link BytesTensor}s ({@link V2Bytes}). Every fault is an EdgewiseException (INVALID_ARGUMENT, UNSUPPORTED_TYPE or
 * RESOURCE_EXHAUSTED) naming the field; nothing else escapes, and no tensor leaks.
 */
public final class InferRequestParser {
  /** The extension's header naming the length of the JSON part. */
  public static final String HEADER_LENGTH = "Inference-Header-Content-Length";

  private final ServeLimits limits;

  public InferRequestParser(ServeLimits limits) {
    this.limits = limits;
  }

  /**
   * @param body the whole request body
   * @param headerLength the value of Inference-Header-Content-Length, null when absent (the body is all JSON)
   */
  public InferRequest parse(ByteBuffer body, String headerLength) {
    int jsonLength = jsonLength(headerLength, body.remaining());
    ByteBuffer json = body.duplicate();
    json.limit(json.position() + jsonLength);
    ByteBuffer rest = body.duplicate();
    rest.position(rest.position() + jsonLength);
    BinarySection binary = new BinarySection(rest);

    JsonNode root = V2Json.readObject(json, "the inference request");
    String id = optionalString(root, "id", "the request");
    boolean binaryOutputs = binaryFlag(root.get("parameters"), "binary_data_output", "the request's parameters");
    Map<String, JsonNode> parameters = new LinkedHashMap<>();
    if (root.get("parameters") != null) {
      root.get("parameters").fields().forEachRemaining(e -> parameters.put(e.getKey(), e.getValue()));
    }
    List<InferRequest.RequestedOutput> outputs = outputs(root.get("outputs"));

    JsonNode inputs = root.get("inputs");
    if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
      throw EdgewiseException.invalidArgument("the request's \"inputs\" must be a non-empty array");
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    Map<String, BytesTensor> bytes = new LinkedHashMap<>();
    try {
      for (int i = 0; i < inputs.size(); i++) {
        JsonNode spec = inputs.get(i);
        String where = "inputs[" + i + "]";
        if (!spec.isObject()) {
          throw EdgewiseException.invalidArgument(where + " must be a JSON object");
        }
        String name = V2Tensors.name(spec, where);
        where = where + " '" + V2Datatype.clip(name) + "'";
        if (tensors.containsKey(name) || bytes.containsKey(name)) {
          throw EdgewiseException.invalidArgument(where + ": the input is given twice");
        }
        if (V2Bytes.isBytes(spec)) {
          bytes.put(name, V2Bytes.read(spec, binary, limits.maxTensorElements(), where));
        } else {
          tensors.put(name, V2Tensors.read(spec, binary, limits.maxTensorElements(), where));
        }
      }
      binary.requireConsumed();
    } catch (RuntimeException e) {
      tensors.values().forEach(Tensor::close);
      throw e;
    }
    return new InferRequest(id, tensors, outputs, binaryOutputs, bytes, parameters);
  }

  private static int jsonLength(String headerLength, int bodyLength) {
    if (headerLength == null) {
      return bodyLength;
    }
    long n;
    try {
      n = Long.parseLong(headerLength.strip());
    } catch (NumberFormatException e) {
      throw EdgewiseException.invalidArgument(HEADER_LENGTH + " must be a non-negative integer, got \""
          + V2Datatype.clip(headerLength) + "\"");
    }
    if (n < 0 || n > bodyLength) {
      throw EdgewiseException.invalidArgument(HEADER_LENGTH + " is " + n + " but the body has " + bodyLength
          + " bytes");
    }
    return (int) n;
  }

  private static List<InferRequest.RequestedOutput> outputs(JsonNode outputs) {
    if (outputs == null) {
      return null;
    }
    if (!outputs.isArray()) {
      throw EdgewiseException.invalidArgument("the request's \"outputs\" must be an array");
    }
    List<InferRequest.RequestedOutput> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < outputs.size(); i++) {
      JsonNode o = outputs.get(i);
      String where = "outputs[" + i + "]";
      if (!o.isObject()) {
        throw EdgewiseException.invalidArgument(where + " must be a JSON object");
      }
      String name = V2Tensors.name(o, where);
      if (!seen.add(name)) {
        throw EdgewiseException.invalidArgument(where + " '" + V2Datatype.clip(name) + "' is requested twice");
      }
      JsonNode params = o.get("parameters");
      Boolean binary = null;
      if (params != null) {
        if (!params.isObject()) {
          throw EdgewiseException.invalidArgument(where + ": \"parameters\" must be a JSON object");
        }
        if (params.has("classification")) {
          throw EdgewiseException.notImplemented(where + ": the classification extension is not supported");
        }
        if (params.has("binary_data")) {
          binary = binaryFlag(params, "binary_data", where + "'s parameters");
        }
      }
      out.add(new InferRequest.RequestedOutput(name, binary));
    }
    return out;
  }

  private static boolean binaryFlag(JsonNode parameters, String key, String where) {
    if (parameters == null) {
      return false;
    }
    if (!parameters.isObject()) {
      throw EdgewiseException.invalidArgument(where + " must be a JSON object");
    }
    JsonNode v = parameters.get(key);
    if (v == null) {
      return false;
    }
    if (!v.isBoolean()) {
      throw EdgewiseException.invalidArgument(where + ": \"" + key + "\" must be true or false");
    }
    return v.asBoolean();
  }

  private static String optionalString(JsonNode root, String key, String where) {
    JsonNode v = root.get(key);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw EdgewiseException.invalidArgument(where + "'s \"" + key + "\" must be a string");
    }
    return v.asText();
  }
}

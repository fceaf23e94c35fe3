package io.edgewise.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgewise.EdgewiseException;
import io.edgewise.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * A parsed inference request. It owns its input tensors: close() releases them.
 *
 * @param id the client's request id, echoed in the response; null when absent
 * @param inputs input name to tensor, in request order (the numeric inputs)
 * @param outputs the outputs asked for, in order; null means every output of the model
 * @param binaryOutputs the request-level "binary_data_output" parameter: outputs without their own choice are
 *     returned in the binary section
 * @param bytesInputs input name to BYTES tensor, in request order (on the heap: nothing to release)
 * @param parameters the request-level "parameters" object, key to JSON value, in request order (empty when absent),
 *     for per-request options (binary_data_output is also in {@link #binaryOutputs}; a model group reads
 *     time_budget_ms); read them with {@link #number} and {@link #flag}, which name the key in their errors
 */
public record InferRequest(String id, Map<String, Tensor> inputs, List<RequestedOutput> outputs,
    boolean binaryOutputs, Map<String, BytesTensor> bytesInputs, Map<String, JsonNode> parameters)
    implements AutoCloseable {

  public InferRequest {
    parameters = parameters == null ? Map.of() : java.util.Collections.unmodifiableMap(
        new java.util.LinkedHashMap<>(parameters));
  }

  /** A request of numeric inputs only. */
  public InferRequest(String id, Map<String, Tensor> inputs, List<RequestedOutput> outputs, boolean binaryOutputs) {
    this(id, inputs, outputs, binaryOutputs, Map.of(), Map.of());
  }

  /** A request without request-level parameters (but binary_data_output). */
  public InferRequest(String id, Map<String, Tensor> inputs, List<RequestedOutput> outputs, boolean binaryOutputs,
      Map<String, BytesTensor> bytesInputs) {
    this(id, inputs, outputs, binaryOutputs, bytesInputs, Map.of());
  }

  /**
   * The request parameter {@code key} as a finite number, or defaultValue when the request has none; any other JSON
   * value is an INVALID_ARGUMENT naming the parameter.
   */
  public double number(String key, double defaultValue) {
    JsonNode v = parameters.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
      throw EdgewiseException.invalidArgument("the request's parameters: \"" + V2Datatype.clip(key) + "\" must be a "
          + "number");
    }
    return v.asDouble();
  }

  /** The request parameter {@code key} as true or false, or defaultValue when absent; anything else is refused. */
  public boolean flag(String key, boolean defaultValue) {
    JsonNode v = parameters.get(key);
    if (v == null) {
      return defaultValue;
    }
    if (!v.isBoolean()) {
      throw EdgewiseException.invalidArgument("the request's parameters: \"" + V2Datatype.clip(key) + "\" must be "
          + "true or false");
    }
    return v.asBoolean();
  }

  /** The request parameter {@code key} as a string, or null when absent; anything else is refused. */
  public String text(String key) {
    JsonNode v = parameters.get(key);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw EdgewiseException.invalidArgument("the request's parameters: \"" + V2Datatype.clip(key) + "\" must be a "
          + "string");
    }
    return v.asText();
  }

  /** One requested output; binary null when the output leaves the choice to the request's binary_data_output. */
  public record RequestedOutput(String name, Boolean binary) {}

  /** Whether the output asked for (or, when the request names none, every output) goes in the binary section. */
  public boolean binary(RequestedOutput o) {
    return o.binary() != null ? o.binary() : binaryOutputs;
  }

  @Override
  public void close() {
    inputs.values().forEach(Tensor::close);
  }
}

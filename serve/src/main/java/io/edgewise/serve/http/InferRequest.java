package io.edgewise.serve.http;

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
 */
public record InferRequest(String id, Map<String, Tensor> inputs, List<RequestedOutput> outputs,
    boolean binaryOutputs, Map<String, BytesTensor> bytesInputs) implements AutoCloseable {

  /** A request of numeric inputs only. */
  public InferRequest(String id, Map<String, Tensor> inputs, List<RequestedOutput> outputs, boolean binaryOutputs) {
    this(id, inputs, outputs, binaryOutputs, Map.of());
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

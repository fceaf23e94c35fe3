package io.edgewise.serve.http;

import io.edgewise.EdgewiseException;
import io.edgewise.model.ValueInfo;
import io.edgewise.serve.common.ServedModel;
import io.edgewise.serve.common.ServedPipeline;
import io.edgewise.tensor.Tensor;
import io.netty.buffer.ByteBufAllocator;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Inference on a pipeline model ({@link ServedPipeline}: one BYTES input [N], one BYTES output [N]) and the one rule
 * BYTES adds for ONNX models: they take numeric tensors only. Every mismatch is an INVALID_ARGUMENT naming the
 * input, answered 400.
 */
final class PipelineInference {
  private PipelineInference() {}

  /** Checks the request against the pipeline's input and output, runs it and encodes the answer. */
  static InferResponseEncoder.Encoded run(ByteBufAllocator alloc, ServedModel model, InferRequest request) {
    ServedPipeline p = model.pipeline();
    String in = p.input().name();
    String takes = "the model takes one BYTES input '" + in + "' of shape [N]";
    if (!request.inputs().isEmpty()) {
      // a numeric tensor: the pipeline's input given with another datatype, or an input it does not have
      Map.Entry<String, Tensor> e = request.inputs().entrySet().iterator().next();
      String name = V2Datatype.clip(e.getKey());
      throw EdgewiseException.invalidArgument(e.getKey().equals(in)
          ? "input '" + name + "' must be BYTES, got " + V2Datatype.name(e.getValue().dtype()) + "; " + takes
          : "unknown input '" + name + "'; " + takes);
    }
    for (String name : request.bytesInputs().keySet()) {
      if (!name.equals(in)) {
        throw EdgewiseException.invalidArgument("unknown input '" + V2Datatype.clip(name) + "'; " + takes);
      }
    }
    BytesTensor x = request.bytesInputs().get(in);
    if (x == null) {
      throw EdgewiseException.invalidArgument("input '" + in + "' is missing; " + takes);
    }
    if (x.shape().length != 1) {
      throw EdgewiseException.invalidArgument("input '" + in + "' has shape " + Arrays.toString(x.shape()) + "; "
          + takes + " (one element per item)");
    }
    String out = p.output().name();
    if (request.outputs() != null) {
      for (InferRequest.RequestedOutput o : request.outputs()) {
        if (!o.name().equals(out)) {
          throw EdgewiseException.invalidArgument("unknown output '" + V2Datatype.clip(o.name()) + "'; the model's "
              + "outputs are [" + out + "]");
        }
      }
    }
    // parameters.reuse=false: this request computes everything (a pipeline that reuses results looks nothing up)
    ServedPipeline.Answer answer = p.run(x.elements(), "input '" + in + "'", request.flag("reuse", true));
    return InferResponseEncoder.encode(alloc, model.name(), model.version(), request, Map.of(),
        Map.of(out, BytesTensor.of(answer.outputs())), answer.parameters());
  }

  /** An ONNX model's inputs are numeric tensors: a BYTES input is refused, naming the input and what it takes. */
  static void refuseBytes(ServedModel model, InferRequest request) {
    for (String name : request.bytesInputs().keySet()) {
      String expected = model.session().inputs().stream().filter(v -> v.name().equals(name)).findFirst()
          .map(PipelineInference::datatype).map(d -> "its input '" + name + "' is " + d)
          .orElse("its inputs are " + model.session().inputs().stream().map(ValueInfo::name).toList());
      throw EdgewiseException.invalidArgument("input '" + V2Datatype.clip(name) + "' is BYTES; this ONNX model takes "
          + "numeric tensors (" + expected + ")");
    }
  }

  private static String datatype(ValueInfo v) {
    return v.isSupported() ? V2Datatype.name(v.dtype()) : v.unsupportedType();
  }
}

package io.edgewise.serve.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.edgewise.tensor.Tensor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes the inference response object: {"model_name", "model_version", "id", "outputs": [...]}; outputs asked
 * for in binary follow the JSON as raw little-endian bytes, and {@link Encoded#jsonLength()} is then sent as
 * Inference-Header-Content-Length.
 */
final class InferResponseEncoder {
  /** The response body; binary says whether any output is in the binary section. */
  record Encoded(ByteBuf content, int jsonLength, boolean binary) {}

  private InferResponseEncoder() {}

  /**
   * @param outputs every output of the run, by name
   * @param request what the client asked for (its outputs' names were checked against the model already)
   */
  static Encoded encode(ByteBufAllocator alloc, String model, String version, InferRequest request,
      Map<String, Tensor> outputs) {
    List<String> names = new ArrayList<>();
    List<Boolean> binary = new ArrayList<>();
    if (request.outputs() == null) {
      for (String n : outputs.keySet()) {
        names.add(n);
        binary.add(request.binaryOutputs());
      }
    } else {
      for (InferRequest.RequestedOutput o : request.outputs()) {
        names.add(o.name());
        binary.add(o.binary() != null ? o.binary() : request.binaryOutputs());
      }
    }
    ByteBuf buf = alloc.buffer();
    try {
      try (ByteBufOutputStream out = new ByteBufOutputStream(buf);
          JsonGenerator g = V2Json.MAPPER.getFactory().createGenerator((java.io.OutputStream) out)) {
        g.writeStartObject();
        g.writeStringField("model_name", model);
        g.writeStringField("model_version", version);
        if (request.id() != null) {
          g.writeStringField("id", request.id());
        }
        g.writeArrayFieldStart("outputs");
        for (int i = 0; i < names.size(); i++) {
          V2Tensors.write(g, names.get(i), outputs.get(names.get(i)), binary.get(i));
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      int jsonLength = buf.readableBytes();
      boolean anyBinary = false;
      for (int i = 0; i < names.size(); i++) {
        if (binary.get(i)) {
          buf.writeBytes(outputs.get(names.get(i)).buffer());
          anyBinary = true;
        }
      }
      return new Encoded(buf, jsonLength, anyBinary);
    } catch (IOException e) {
      buf.release();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      buf.release();
      throw e;
    }
  }
}

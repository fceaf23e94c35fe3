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
 * Writes the inference response object: {"model_name", "model_version", "id", "parameters", "outputs": [...]}; outputs asked
 * for in binary follow the JSON as raw little-endian bytes (BYTES outputs as length-prefixed elements), and {@link Encoded#jsonLength()} is then sent as
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
    return encode(alloc, model, version, request, outputs, Map.of());
  }

  /**
   * As above with BYTES outputs too ({@link V2Bytes}: JSON strings, or length-prefixed elements in the binary
   * section); every output name is in one of the two maps.
   */
  static Encoded encode(ByteBufAllocator alloc, String model, String version, InferRequest request,
      Map<String, Tensor> outputs, Map<String, BytesTensor> bytesOutputs) {
    return encode(alloc, model, version, request, outputs, bytesOutputs, Map.of());
  }

  /**
   * As above with the response-level "parameters" object (written when not empty): what the server reports about
   * the answer (a model group's variant and time). Values are written as Jackson writes them (strings, numbers,
   * booleans, lists, maps).
   */
  static Encoded encode(ByteBufAllocator alloc, String model, String version, InferRequest request,
      Map<String, Tensor> outputs, Map<String, BytesTensor> bytesOutputs, Map<String, Object> parameters) {
    List<String> names = new ArrayList<>();
    List<Boolean> binary = new ArrayList<>();
    if (request.outputs() == null) {
      for (String n : outputs.keySet()) {
        names.add(n);
        binary.add(request.binaryOutputs());
      }
      for (String n : bytesOutputs.keySet()) {
        names.add(n);
        binary.add(request.binaryOutputs());
      }
    } else {
      for (InferRequest.RequestedOutput o : request.outputs()) {
        names.add(o.name());
        binary.add(request.binary(o));
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
        if (!parameters.isEmpty()) {
          g.writeObjectField("parameters", parameters);
        }
        g.writeArrayFieldStart("outputs");
        for (int i = 0; i < names.size(); i++) {
          BytesTensor b = bytesOutputs.get(names.get(i));
          if (b != null) {
            V2Bytes.write(g, names.get(i), b, binary.get(i));
          } else {
            V2Tensors.write(g, names.get(i), outputs.get(names.get(i)), binary.get(i));
          }
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      int jsonLength = buf.readableBytes();
      boolean anyBinary = false;
      for (int i = 0; i < names.size(); i++) {
        if (binary.get(i)) {
          BytesTensor b = bytesOutputs.get(names.get(i));
          if (b != null) {
            buf.writeBytes(V2Bytes.encode(b.elements()));
          } else {
            buf.writeBytes(outputs.get(names.get(i)).buffer());
          }
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

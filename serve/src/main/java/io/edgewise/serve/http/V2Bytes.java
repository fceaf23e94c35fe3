package io.edgewise.serve.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.edgewise.EdgewiseException;
import io.edgewise.tensor.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The protocol's BYTES tensors ({@link BytesTensor}) in both encodings. In JSON, "data" is an array (flat or nested)
 * of strings, each element the UTF-8 bytes of its string: the protocol's tensor data are JSON values and it defines
 * no automatic base64. A tensor whose strings are base64 says so with the parameter
 * {@code "content_type": "base64"} (MLServer's name for it; "str", the default, means UTF-8 text): only then are they
 * decoded. With the binary tensor data extension ("binary_data_size") each element is a 4-byte unsigned little-endian
 * length followed by that many bytes, elements back to back in row-major order, and binary_data_size is the sum.
 */
public final class V2Bytes {
  public static final String DATATYPE = "BYTES";
  /** The tensor parameter that says how JSON strings hold the bytes. */
  public static final String CONTENT_TYPE = "content_type";
  public static final String BASE64 = "base64";
  public static final String STRING = "str";
  /**
   * Most elements of one BYTES tensor (below the server's limit for numeric tensors): each element costs a Java
   * object, so a body of 4-byte empty elements must not become tens of millions of them.
   */
  public static final long MAX_ELEMENTS = 1 << 20;
  private static final byte[] EMPTY = new byte[0];

  private V2Bytes() {}

  /** Whether a JSON tensor spec's "datatype" is BYTES. */
  public static boolean isBytes(JsonNode spec) {
    JsonNode d = spec == null ? null : spec.get("datatype");
    return d != null && d.isTextual() && d.asText().equals(DATATYPE);
  }

  /**
   * The BYTES tensor a JSON spec describes: "data" strings, or binary_data_size bytes taken from the binary section.
   * The shape's element count is checked against maxElements (and {@link #MAX_ELEMENTS}) before anything is read.
   */
  public static BytesTensor read(JsonNode spec, BinarySection binary, long maxElements, String where) {
    Shape shape = V2Tensors.shape(spec.get("shape"), Math.min(maxElements, MAX_ELEMENTS), where);
    long[] dims = shape.dims();
    long n = shape.numElements();  // at most maxElements: checked by shape()
    JsonNode params = spec.get("parameters");
    if (params != null && !params.isObject()) {
      throw EdgewiseException.invalidArgument(where + ": \"parameters\" must be a JSON object");
    }
    boolean base64 = base64(params, where);
    JsonNode size = params == null ? null : params.get("binary_data_size");
    JsonNode data = spec.get("data");
    if (size != null) {
      if (data != null) {
        throw EdgewiseException.invalidArgument(where + ": has both \"data\" and parameters.binary_data_size");
      }
      if (base64) {
        throw EdgewiseException.invalidArgument(where + ": content_type \"base64\" applies to JSON strings; binary "
            + "BYTES elements are the raw bytes");
      }
      if (!size.isIntegralNumber() || !size.canConvertToLong() || size.asLong() < 0) {
        throw EdgewiseException.invalidArgument(where + ": binary_data_size must be a non-negative integer");
      }
      return new BytesTensor(dims, decode(binary.take(size.asLong(), where), n, where));
    }
    if (data == null) {
      throw EdgewiseException.invalidArgument(where + ": \"data\" is missing (or give parameters.binary_data_size "
          + "with the binary tensor data extension)");
    }
    return new BytesTensor(dims, strings(data, n, base64, where));
  }

  private static boolean base64(JsonNode params, String where) {
    JsonNode ct = params == null ? null : params.get(CONTENT_TYPE);
    if (ct == null) {
      return false;
    }
    if (!ct.isTextual() || !(ct.asText().equals(BASE64) || ct.asText().equals(STRING))) {
      throw EdgewiseException.invalidArgument(where + ": parameters.content_type must be \"str\" (UTF-8 strings, the "
          + "default) or \"base64\" for BYTES, got " + V2Datatype.clip(ct.toString()));
    }
    return ct.asText().equals(BASE64);
  }

  /** The elements of a flat or nested JSON array of strings, in row-major order. */
  private static List<byte[]> strings(JsonNode data, long n, boolean base64, String where) {
    if (!data.isArray()) {
      throw EdgewiseException.invalidArgument(where + ": \"data\" must be a JSON array of strings");
    }
    List<byte[]> out = new ArrayList<>();
    V2Tensors.forEachLeaf(data, (i, v) -> {
      if (i >= n) {
        throw EdgewiseException.invalidArgument(where + ": \"data\" holds more than the " + n + " elements its "
            + "shape declares");
      }
      if (!v.isTextual()) {
        throw EdgewiseException.invalidArgument(where + ": data[" + i + "] must be a string (BYTES), got "
            + V2Datatype.clip(v.toString()));
      }
      if (base64) {
        try {
          out.add(Base64.getDecoder().decode(v.asText()));
        } catch (IllegalArgumentException e) {
          throw EdgewiseException.invalidArgument(where + ": data[" + i + "] is not base64 (content_type \"base64\"): "
              + e.getMessage());
        }
      } else {
        out.add(v.asText().getBytes(StandardCharsets.UTF_8));
      }
    });
    if (out.size() != n) {
      throw EdgewiseException.invalidArgument(where + ": \"data\" holds " + out.size() + " elements, its shape "
          + "declares " + n);
    }
    return out;
  }

  /**
   * Splits the binary form into its elements: each a 4-byte unsigned little-endian length and that many bytes. The
   * bytes must hold exactly {@code count} elements.
   */
  public static List<byte[]> decode(ByteBuffer bytes, long count, String where) {
    ByteBuffer b = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
    List<byte[]> out = new ArrayList<>();
    for (long i = 0; i < count; i++) {
      if (b.remaining() < 4) {
        throw EdgewiseException.invalidArgument(where + ": the binary data ends " + (b.remaining() == 0 ? "before"
            : "inside") + " the 4-byte length of element " + i + " (" + count + " declared by the shape)");
      }
      long length = b.getInt() & 0xffffffffL;
      if (length > b.remaining()) {
        throw EdgewiseException.invalidArgument(where + ": element " + i + " declares " + length + " bytes but "
            + b.remaining() + " are left of binary_data_size");
      }
      byte[] e = length == 0 ? EMPTY : new byte[(int) length];
      b.get(e);
      out.add(e);
    }
    if (b.hasRemaining()) {
      throw EdgewiseException.invalidArgument(where + ": " + b.remaining() + " bytes of binary_data_size follow the "
          + "last of its " + count + " elements");
    }
    return out;
  }

  /** The binary form's size: 4 bytes per element plus the elements. */
  public static long encodedSize(List<byte[]> elements) {
    long n = 0;
    for (byte[] e : elements) {
      n += 4L + e.length;
    }
    return n;
  }

  /** The binary form of the elements. */
  public static byte[] encode(List<byte[]> elements) {
    long size = encodedSize(elements);
    if (size > Integer.MAX_VALUE - 8) {
      throw EdgewiseException.invalidArgument("BYTES elements of " + size + " bytes in all do not fit one message");
    }
    ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] e : elements) {
      b.putInt(e.length);  // an array's length is below 2^31: the unsigned prefix never wraps
      b.put(e);
    }
    return b.array();
  }

  /**
   * Writes {"name", "datatype": "BYTES", "shape"} and either parameters.binary_data_size (binary true; the caller
   * appends {@link #encode} to the binary section) or "data" as strings: UTF-8 text where every element is valid
   * UTF-8, else base64 with parameters.content_type "base64", so any bytes survive JSON.
   */
  public static void write(JsonGenerator g, String name, BytesTensor t, boolean binary) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", name);
    g.writeStringField("datatype", DATATYPE);
    g.writeArrayFieldStart("shape");
    for (long d : t.shape()) {
      g.writeNumber(d);
    }
    g.writeEndArray();
    if (binary) {
      g.writeObjectFieldStart("parameters");
      g.writeNumberField("binary_data_size", encodedSize(t.elements()));
      g.writeEndObject();
    } else {
      List<String> text = utf8(t.elements());
      if (text == null) {
        g.writeObjectFieldStart("parameters");
        g.writeStringField(CONTENT_TYPE, BASE64);
        g.writeEndObject();
      }
      g.writeArrayFieldStart("data");
      for (int i = 0; i < t.elements().size(); i++) {
        g.writeString(text != null ? text.get(i) : Base64.getEncoder().encodeToString(t.elements().get(i)));
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  /** The elements as text when every one is valid UTF-8; null otherwise. */
  static List<String> utf8(List<byte[]> elements) {
    List<String> out = new ArrayList<>(elements.size());
    for (byte[] e : elements) {
      try {
        CharBuffer c = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(e));
        out.add(c.toString());
      } catch (CharacterCodingException x) {
        return null;
      }
    }
    return out;
  }
}

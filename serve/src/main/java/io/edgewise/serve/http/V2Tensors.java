package io.edgewise.serve.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * One tensor of the Open Inference Protocol as JSON ({"name", "datatype", "shape", "data"} or, with the binary
 * extension, "parameters": {"binary_data_size": N} and the bytes in the binary section) to and from {@link Tensor}.
 * Request inputs and response outputs have the same form, so the server and the client share this code.
 */
public final class V2Tensors {
  /** More dimensions than this is refused before anything is allocated. */
  public static final int MAX_RANK = 32;
  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private V2Tensors() {}

  /** The tensor's "name" field, required and non-empty. */
  public static String name(JsonNode spec, String where) {
    JsonNode n = spec.get("name");
    if (n == null || !n.isTextual() || n.asText().isEmpty()) {
      throw EdgewiseException.invalidArgument(where + ": \"name\" must be a non-empty string");
    }
    return n.asText();
  }

  /**
   * The tensor a JSON spec describes. Its element count is checked against maxElements before any memory is
   * allocated; its data must hold exactly that many values of the datatype's range.
   */
  public static Tensor read(JsonNode spec, BinarySection binary, long maxElements, String where) {
    if (spec == null || !spec.isObject()) {
      throw EdgewiseException.invalidArgument(where + ": must be a JSON object");
    }
    JsonNode datatype = spec.get("datatype");
    if (datatype == null || !datatype.isTextual()) {
      throw EdgewiseException.invalidArgument(where + ": \"datatype\" must be a string such as \"FP32\"");
    }
    DType dtype = V2Datatype.parse(datatype.asText(), where);
    Shape shape = shape(spec.get("shape"), maxElements, where);
    Long binarySize = binaryDataSize(spec.get("parameters"), where);
    JsonNode data = spec.get("data");
    if (binarySize != null) {
      if (data != null) {
        throw EdgewiseException.invalidArgument(where + ": has both \"data\" and parameters.binary_data_size");
      }
      long expected = shape.numElements() * dtype.byteSize();
      if (binarySize != expected) {
        throw EdgewiseException.invalidArgument(where + ": binary_data_size is " + binarySize + " but "
            + V2Datatype.name(dtype) + shape + " needs " + expected + " bytes");
      }
      ByteBuffer bytes = binary.take(binarySize, where);
      return Tensor.fromBytes(dtype, shape, bytes);
    }
    if (data == null) {
      throw EdgewiseException.invalidArgument(where + ": \"data\" is missing (or give parameters.binary_data_size "
          + "with the binary tensor data extension)");
    }
    Tensor t = Tensor.allocate(dtype, shape);
    try {
      fill(t, data, where);
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  /** A "shape" field: at most MAX_RANK non-negative integers whose product is at most maxElements. */
  static Shape shape(JsonNode shape, long maxElements, String where) {
    if (shape == null || !shape.isArray()) {
      throw EdgewiseException.invalidArgument(where + ": \"shape\" must be an array of non-negative integers");
    }
    if (shape.size() > MAX_RANK) {
      throw EdgewiseException.invalidArgument(where + ": shape has " + shape.size() + " dimensions, more than "
          + MAX_RANK);
    }
    long[] dims = new long[shape.size()];
    long elements = 1;
    for (int i = 0; i < dims.length; i++) {
      JsonNode d = shape.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
        throw EdgewiseException.invalidArgument(where + ": shape[" + i + "] must be a non-negative integer, got "
            + V2Datatype.clip(d.toString()));
      }
      dims[i] = d.asLong();
      elements = dims[i] == 0 || elements == 0 ? 0
          : (elements > maxElements / dims[i] ? maxElements + 1 : elements * dims[i]);
    }
    if (elements > maxElements) {
      throw new EdgewiseException(ErrorCode.RESOURCE_EXHAUSTED, where + ": shape " + shape + " has more than "
          + maxElements + " elements (the server's limit per tensor)");
    }
    return Shape.of(dims);
  }

  private static Long binaryDataSize(JsonNode parameters, String where) {
    if (parameters == null) {
      return null;
    }
    if (!parameters.isObject()) {
      throw EdgewiseException.invalidArgument(where + ": \"parameters\" must be a JSON object");
    }
    JsonNode size = parameters.get("binary_data_size");
    if (size == null) {
      return null;
    }
    if (!size.isIntegralNumber() || !size.canConvertToLong() || size.asLong() < 0) {
      throw EdgewiseException.invalidArgument(where + ": binary_data_size must be a non-negative integer");
    }
    return size.asLong();
  }

  /** Fills t from a flat or nested JSON array in row-major order (the protocol allows both). */
  private static void fill(Tensor t, JsonNode data, String where) {
    if (!data.isArray()) {
      throw EdgewiseException.invalidArgument(where + ": \"data\" must be a JSON array");
    }
    long n = t.size();
    long count = forEachLeaf(data, (i, v) -> {
      if (i >= n) {
        throw EdgewiseException.invalidArgument(where + ": \"data\" holds more than the " + n
            + " values its shape " + t.shape() + " declares");
      }
      set(t, i, v, where);
    });
    if (count != n) {
      throw EdgewiseException.invalidArgument(where + ": \"data\" holds " + count + " values, its shape "
          + t.shape() + " declares " + n);
    }
  }

  /** Receives the leaves of a JSON "data" array in row-major order, with their index. */
  interface LeafVisitor {
    void leaf(long index, JsonNode value);
  }

  /**
   * Visits the non-array values of a flat or nested JSON array in row-major order (the protocol allows both forms
   * of "data"), iteratively, so a deeply nested array cannot exhaust the stack; returns how many there were.
   */
  static long forEachLeaf(JsonNode array, LeafVisitor visitor) {
    long i = 0;
    Deque<Iterator<JsonNode>> stack = new ArrayDeque<>();
    stack.push(array.elements());
    while (!stack.isEmpty()) {
      Iterator<JsonNode> it = stack.peek();
      if (!it.hasNext()) {
        stack.pop();
        continue;
      }
      JsonNode v = it.next();
      if (v.isArray()) {
        stack.push(v.elements());
        continue;
      }
      visitor.leaf(i++, v);
    }
    return i;
  }

  private static void set(Tensor t, long i, JsonNode v, String where) {
    DType d = t.dtype();
    if (d.isFloatingPoint()) {
      double x;
      if (v.isNumber()) {
        x = v.doubleValue();
      } else if (v.isTextual() && (v.asText().equals("NaN") || v.asText().equals("Infinity")
          || v.asText().equals("-Infinity"))) {
        x = Double.parseDouble(v.asText());
      } else {
        throw badValue(where, i, v, "a number");
      }
      if (d == DType.FLOAT32) {
        t.setFloat(i, (float) x);
      } else {
        t.setDouble(i, x);
      }
    } else if (d == DType.BOOL) {
      if (!v.isBoolean()) {
        throw badValue(where, i, v, "true or false");
      }
      t.setLong(i, v.asBoolean() ? 1 : 0);
    } else {
      if (!v.isIntegralNumber()) {
        throw badValue(where, i, v, "an integer");
      }
      if (d == DType.UINT64) {
        BigInteger b = v.bigIntegerValue();
        if (b.signum() < 0 || b.compareTo(UINT64_MAX) > 0) {
          throw badValue(where, i, v, "an integer in the range of UINT64");
        }
        t.setLong(i, b.longValue());
        return;
      }
      if (!v.canConvertToLong()) {
        throw badValue(where, i, v, "an integer in the range of " + V2Datatype.name(d));
      }
      long x = v.asLong();
      long bits = d.byteSize() * 8L;
      long min = d.isSigned() ? (bits == 64 ? Long.MIN_VALUE : -(1L << (bits - 1))) : 0;
      long max = d.isSigned() ? (bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1) : (1L << bits) - 1;
      if (x < min || x > max) {
        throw badValue(where, i, v, "an integer in the range of " + V2Datatype.name(d));
      }
      t.setLong(i, x);
    }
  }

  private static EdgewiseException badValue(String where, long i, JsonNode v, String expected) {
    return EdgewiseException.invalidArgument(where + ": data[" + i + "] must be " + expected + ", got "
        + V2Datatype.clip(v.toString()));
  }

  /** Writes {"name", "datatype", "shape"} and either "data" or parameters.binary_data_size (binary true). */
  public static void write(JsonGenerator g, String name, Tensor t, boolean binary) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", name);
    g.writeStringField("datatype", V2Datatype.name(t.dtype()));
    g.writeArrayFieldStart("shape");
    for (long d : t.shape().dims()) {
      g.writeNumber(d);
    }
    g.writeEndArray();
    if (binary) {
      g.writeObjectFieldStart("parameters");
      g.writeNumberField("binary_data_size", t.byteSize());
      g.writeEndObject();
    } else {
      g.writeArrayFieldStart("data");
      writeValues(g, t);
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  private static void writeValues(JsonGenerator g, Tensor t) throws IOException {
    long n = t.size();
    switch (t.dtype()) {
      case FLOAT32 -> {
        for (float v : t.toFloatArray()) {
          g.writeNumber(v);  // Float.toString: the shortest decimal that reads back as the same float
        }
      }
      case FLOAT16 -> {
        for (long i = 0; i < n; i++) {
          g.writeNumber(t.getFloat(i));
        }
      }
      case FLOAT64 -> {
        for (long i = 0; i < n; i++) {
          g.writeNumber(t.getDouble(i));
        }
      }
      case BOOL -> {
        for (long i = 0; i < n; i++) {
          g.writeBoolean(t.getLong(i) != 0);
        }
      }
      case UINT64 -> {
        for (long i = 0; i < n; i++) {
          g.writeNumber(new BigInteger(Long.toUnsignedString(t.getLong(i))));
        }
      }
      default -> {
        for (long i = 0; i < n; i++) {
          g.writeNumber(t.getLong(i));
        }
      }
    }
  }
}

package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.http.InferRequest;
import io.edgewise.serve.http.InferRequestParser;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The inference request JSON and the binary extension, against hand-written requests and hand-computed values. */
class InferRequestParserTest {
  private final InferRequestParser parser = new InferRequestParser(ServeLimits.defaults().withMaxTensorElements(1000));

  private InferRequest parse(String json) {
    return parser.parse(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)), null);
  }

  @Test
  void readsFlatAndNestedJsonDataOfEachKind() {
    try (InferRequest r = parse("""
        {"id": "42", "inputs": [
          {"name": "a", "shape": [2, 2], "datatype": "FP32", "data": [[1.5, -2], [3e-3, "NaN"]]},
          {"name": "b", "shape": [3], "datatype": "INT64", "data": [9007199254740993, -1, 0]},
          {"name": "c", "shape": [2], "datatype": "BOOL", "data": [true, false]},
          {"name": "d", "shape": [1], "datatype": "UINT64", "data": [18446744073709551615]},
          {"name": "e", "shape": [], "datatype": "INT8", "data": [-128]}],
         "outputs": [{"name": "y", "parameters": {"binary_data": true}}, {"name": "z"}]}""")) {
      assertEquals("42", r.id());
      Tensor a = r.inputs().get("a");
      assertEquals(DType.FLOAT32, a.dtype());
      assertArrayEquals(new float[] {1.5f, -2f, 3e-3f, Float.NaN}, a.toFloatArray());
      assertArrayEquals(new long[] {9007199254740993L, -1, 0}, r.inputs().get("b").toLongArray());
      assertArrayEquals(new long[] {1, 0}, r.inputs().get("c").toLongArray());
      assertEquals(-1L, r.inputs().get("d").getLong(0));  // 2^64-1 stored as its bits
      assertEquals(-128, r.inputs().get("e").getLong(0));
      assertEquals(2, r.outputs().size());
      assertEquals(Boolean.TRUE, r.outputs().get(0).binary());
      assertNull(r.outputs().get(1).binary());
    }
  }

  @Test
  void keepsTheRequestLevelParametersForOtherFeaturesToRead() {
    try (InferRequest r = parse("""
        {"parameters": {"time_budget_ms": 250, "reuse": false, "variant": "pruned50", "binary_data_output": true,
                        "extra": {"k": [1, 2]}},
         "inputs": [{"name": "a", "shape": [1], "datatype": "FP32", "data": [1]}]}""")) {
      assertEquals(java.util.List.of("time_budget_ms", "reuse", "variant", "binary_data_output", "extra"),
          java.util.List.copyOf(r.parameters().keySet()));
      assertTrue(r.binaryOutputs());
      assertEquals(250, r.number("time_budget_ms", -1), 0);
      assertEquals(7, r.number("absent", 7), 0);
      assertEquals(false, r.flag("reuse", true));
      assertEquals(true, r.flag("absent", true));
      assertEquals("pruned50", r.text("variant"));
      assertNull(r.text("absent"));
      assertEquals(2, r.parameters().get("extra").get("k").get(1).asInt());
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> r.number("variant", 0));
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage().contains("\"variant\" must be a number"), e.getMessage());
      assertThrows(EdgewiseException.class, () -> r.flag("time_budget_ms", false));
      assertThrows(EdgewiseException.class, () -> r.text("reuse"));
    }
    try (InferRequest r = parse("{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": \"FP32\", "
        + "\"data\": [1]}]}")) {
      assertTrue(r.parameters().isEmpty());
    }
    assertThrows(EdgewiseException.class, () -> parse("{\"parameters\": [1], \"inputs\": [{\"name\": \"a\", "
        + "\"shape\": [1], \"datatype\": \"FP32\", \"data\": [1]}]}"));
  }

  @Test
  void readsBinaryTensorsAfterTheJsonHeader() {
    byte[] header = ("{\"parameters\": {\"binary_data_output\": true}, \"inputs\": ["
        + "{\"name\": \"x\", \"shape\": [3], \"datatype\": \"FP32\", \"parameters\": {\"binary_data_size\": 12}},"
        + "{\"name\": \"i\", \"shape\": [2], \"datatype\": \"INT32\", \"data\": [7, 8]},"
        + "{\"name\": \"h\", \"shape\": [1], \"datatype\": \"INT16\", \"parameters\": {\"binary_data_size\": 2}}]}")
        .getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(header.length + 14).order(ByteOrder.LITTLE_ENDIAN);
    body.put(header).putFloat(1f).putFloat(-0f).putFloat(Float.MIN_VALUE).putShort((short) -2).flip();
    try (InferRequest r = parser.parse(body, Integer.toString(header.length))) {
      assertTrue(r.binaryOutputs());
      assertArrayEquals(new float[] {1f, -0f, Float.MIN_VALUE}, r.inputs().get("x").toFloatArray());
      assertArrayEquals(new long[] {7, 8}, r.inputs().get("i").toLongArray());
      assertEquals(-2, r.inputs().get("h").getLong(0));
    }
    // the header length must leave exactly the declared binary bytes
    body.rewind();
    ByteBuffer longer = ByteBuffer.allocate(body.remaining() + 1).put(body).put((byte) 0).flip();
    assertRefused(ErrorCode.INVALID_ARGUMENT, "belong to no tensor",
        () -> parser.parse(longer, Integer.toString(header.length)));
    body.rewind();
    assertRefused(ErrorCode.INVALID_ARGUMENT, "is not valid JSON",
        () -> parser.parse(body, Integer.toString(header.length + 3)));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "Inference-Header-Content-Length",
        () -> parser.parse(body, "-1"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "Inference-Header-Content-Length",
        () -> parser.parse(body, "12abc"));
  }

  @Test
  void eachFaultIsNamedWithItsField() {
    assertRefused(ErrorCode.INVALID_ARGUMENT, "not valid JSON", () -> parse("{\"inputs\": ["));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "must be a JSON object", () -> parse("[1]"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "\"inputs\" must be a non-empty array", () -> parse("{}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "inputs[0]: \"name\"",
        () -> parse("{\"inputs\": [{\"shape\": [1], \"datatype\": \"FP32\", \"data\": [1]}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "unknown datatype \"fp32\"",
        () -> parse("{\"inputs\": [{\"name\": \"x\", \"shape\": [1], \"datatype\": \"fp32\", \"data\": [1]}]}"));
    assertRefused(ErrorCode.UNSUPPORTED_TYPE, "BF16",
        () -> parse("{\"inputs\": [{\"name\": \"x\", \"shape\": [1], \"datatype\": \"BF16\", \"data\": [1]}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "shape[1] must be a non-negative integer",
        () -> parse("{\"inputs\": [{\"name\": \"x\", \"shape\": [1, -3], \"datatype\": \"FP32\", \"data\": [1]}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "holds 2 values, its shape [3] declares 3",
        () -> parse("{\"inputs\": [{\"name\": \"x\", \"shape\": [3], \"datatype\": \"FP32\", \"data\": [1, 2]}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "more than the 1 values",
        () -> parse("{\"inputs\": [{\"name\": \"x\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1, 2]}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "data[1] must be an integer in the range of UINT8, got 256",
        () -> parse("{\"inputs\": [{\"name\": \"x\", \"shape\": [2], \"datatype\": \"UINT8\", \"data\": [255, 256]}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "data[0] must be an integer",
        () -> parse("{\"inputs\": [{\"name\": \"x\", \"shape\": [1], \"datatype\": \"INT32\", \"data\": [1.5]}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "data[0] must be true or false",
        () -> parse("{\"inputs\": [{\"name\": \"x\", \"shape\": [1], \"datatype\": \"BOOL\", \"data\": [1]}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "given twice", () -> parse("{\"inputs\": ["
        + "{\"name\": \"x\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1]},"
        + "{\"name\": \"x\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1]}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "Duplicate field", () -> parse("{\"inputs\": [], \"inputs\": []}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "binary_data_size 12 exceeds", () -> parse("{\"inputs\": [{\"name\": "
        + "\"x\", \"shape\": [3], \"datatype\": \"FP32\", \"parameters\": {\"binary_data_size\": 12}}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "needs 12 bytes", () -> parse("{\"inputs\": [{\"name\": "
        + "\"x\", \"shape\": [3], \"datatype\": \"FP32\", \"parameters\": {\"binary_data_size\": 8}}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "binary_data\" must be true or false", () -> parse("{\"inputs\": [{\""
        + "name\": \"x\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1]}], \"outputs\": [{\"name\": \"y\", "
        + "\"parameters\": {\"binary_data\": 1}}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "not valid JSON", () -> parse("[".repeat(100) + "]".repeat(100)));
  }

  @Test
  void refusesTooManyElementsBeforeAllocating() {
    long live = Tensor.liveCount();
    assertRefused(ErrorCode.RESOURCE_EXHAUSTED, "more than 1000 elements",
        () -> parse("{\"inputs\": [{\"name\": \"x\", \"shape\": [1000000, 1000000, 1000000], \"datatype\": "
            + "\"FP32\", \"parameters\": {\"binary_data_size\": 4}}]}"));
    assertRefused(ErrorCode.RESOURCE_EXHAUSTED, "more than 1000 elements",
        () -> parse("{\"inputs\": [{\"name\": \"x\", \"shape\": [10, 101], \"datatype\": \"FP32\", \"data\": []}]}"));
    // a later input's fault releases the earlier inputs
    assertRefused(ErrorCode.INVALID_ARGUMENT, "inputs[1]", () -> parse("{\"inputs\": ["
        + "{\"name\": \"a\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1]},"
        + "{\"name\": \"b\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [\"x\"]}]}"));
    assertEquals(live, Tensor.liveCount());
  }

  static void assertRefused(ErrorCode code, String text, org.junit.jupiter.api.function.Executable call) {
    EdgewiseException e = assertThrows(EdgewiseException.class, call);
    assertEquals(code, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains(text), "expected '" + text + "' in: " + e.getMessage());
  }
}

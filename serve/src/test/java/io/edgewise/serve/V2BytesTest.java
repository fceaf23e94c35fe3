package io.edgewise.serve;

import static io.edgewise.serve.InferRequestParserTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.http.BinarySection;
import io.edgewise.serve.http.BytesTensor;
import io.edgewise.serve.http.InferRequest;
import io.edgewise.serve.http.InferRequestParser;
import io.edgewise.serve.http.V2Bytes;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The BYTES datatype of the Open Inference Protocol against hand-made bodies: the binary extension's elements (a
 * 4-byte little-endian length, then the bytes) written out byte by byte here, and JSON strings.
 */
class V2BytesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  private final InferRequestParser parser = new InferRequestParser(ServeLimits.defaults().withMaxTensorElements(1000));

  static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  @Test
  void decodesLengthPrefixedElements() {
    // "abc", "", {0xff, 0x00}: lengths 3, 0, 2 as 4-byte little-endian unsigned integers
    byte[] wire = bytes(3, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0, 2, 0, 0, 0, 0xff, 0x00);
    List<byte[]> e = V2Bytes.decode(ByteBuffer.wrap(wire), 3, "x");
    assertEquals(3, e.size());
    assertArrayEquals("abc".getBytes(StandardCharsets.US_ASCII), e.get(0));
    assertArrayEquals(new byte[0], e.get(1));
    assertArrayEquals(bytes(0xff, 0x00), e.get(2));
    // a length above 255 uses the second byte: 300 = 0x012c -> 2c 01 00 00
    byte[] big = new byte[4 + 300];
    big[0] = 0x2c;
    big[1] = 0x01;
    Arrays.fill(big, 4, big.length, (byte) 7);
    assertEquals(300, V2Bytes.decode(ByteBuffer.wrap(big), 1, "x").get(0).length);
  }

  @Test
  void encodesLengthPrefixedElements() {
    byte[] wire = V2Bytes.encode(List.of("hi".getBytes(StandardCharsets.US_ASCII), new byte[0], new byte[300]));
    assertEquals(4 + 2 + 4 + 4 + 300, wire.length);
    assertArrayEquals(bytes(2, 0, 0, 0, 'h', 'i', 0, 0, 0, 0, 0x2c, 0x01, 0, 0), Arrays.copyOf(wire, 14));
    assertEquals(wire.length, V2Bytes.encodedSize(List.of(new byte[2], new byte[0], new byte[300])));
  }

  @Test
  void refusesMalformedBinaryElementsNamingTheFault() {
    assertRefused(ErrorCode.INVALID_ARGUMENT, "inside the 4-byte length of element 1",
        () -> V2Bytes.decode(ByteBuffer.wrap(bytes(1, 0, 0, 0, 'a', 5, 0)), 2, "inputs[0] 'image'"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "before the 4-byte length of element 1",
        () -> V2Bytes.decode(ByteBuffer.wrap(bytes(1, 0, 0, 0, 'a')), 2, "x"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "element 0 declares 4294967295 bytes but 1 are left",
        () -> V2Bytes.decode(ByteBuffer.wrap(bytes(0xff, 0xff, 0xff, 0xff, 'a')), 1, "x"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "2 bytes of binary_data_size follow the last of its 1 elements",
        () -> V2Bytes.decode(ByteBuffer.wrap(bytes(1, 0, 0, 0, 'a', 'b', 'c')), 1, "x"));
  }

  @Test
  void parsesBytesAndNumericInputsFromOneBinarySectionInOrder() {
    byte[] header = ("{\"inputs\": ["
        + "{\"name\": \"s\", \"shape\": [2], \"datatype\": \"BYTES\", \"parameters\": {\"binary_data_size\": 11}},"
        + "{\"name\": \"x\", \"shape\": [1], \"datatype\": \"FP32\", \"parameters\": {\"binary_data_size\": 4}},"
        + "{\"name\": \"t\", \"shape\": [1, 2], \"datatype\": \"BYTES\", \"data\": [[\"\u00e9\", \"\"]]}]}")
        .getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(header.length + 15).order(ByteOrder.LITTLE_ENDIAN);
    body.put(header).put(bytes(3, 0, 0, 0, 'o', 'n', 'e', 0, 0, 0, 0)).putFloat(2.5f).flip();
    try (InferRequest r = parser.parse(body, Integer.toString(header.length))) {
      BytesTensor s = r.bytesInputs().get("s");
      assertArrayEquals(new long[] {2}, s.shape());
      assertEquals("one", s.string(0));
      assertEquals(0, s.elements().get(1).length);
      assertEquals(2.5f, r.inputs().get("x").getFloat(0));
      BytesTensor t = r.bytesInputs().get("t");
      assertArrayEquals(new long[] {1, 2}, t.shape());
      assertArrayEquals(bytes(0xc3, 0xa9), t.elements().get(0));  // a JSON string's UTF-8 bytes, nothing decoded
    }
  }

  private InferRequest parse(String json) {
    return parser.parse(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)), null);
  }

  @Test
  void jsonStringsAreTheirUtf8BytesUnlessTheTensorSaysBase64() {
    // "aGk=" is base64 of "hi": taken as the four characters unless content_type says base64
    try (InferRequest r = parse("{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": \"BYTES\", "
        + "\"data\": [\"aGk=\"]}, {\"name\": \"b\", \"shape\": [1], \"datatype\": \"BYTES\", "
        + "\"parameters\": {\"content_type\": \"base64\"}, \"data\": [\"aGk=\"]}]}")) {
      assertEquals("aGk=", r.bytesInputs().get("a").string(0));
      assertEquals("hi", r.bytesInputs().get("b").string(0));
    }
    String start = "{\"inputs\": [{\"name\": \"image\", \"shape\": [1], \"datatype\": \"BYTES\", ";
    assertRefused(ErrorCode.INVALID_ARGUMENT, "inputs[0] 'image': data[0] is not base64",
        () -> parse(start + "\"parameters\": {\"content_type\": \"base64\"}, \"data\": [\"not base64!\"]}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "content_type must be \"str\"",
        () -> parse(start + "\"parameters\": {\"content_type\": \"b64\"}, \"data\": [\"aGk=\"]}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "data[0] must be a string (BYTES), got 1",
        () -> parse(start + "\"data\": [1]}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "holds 1 elements, its shape declares 2",
        () -> parse(start.replace("[1]", "[2]") + "\"data\": [\"a\"]}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "more than the 1 elements",
        () -> parse(start + "\"data\": [\"a\", \"b\"]}]}"));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "applies to JSON strings",
        () -> parse(start + "\"parameters\": {\"content_type\": \"base64\", \"binary_data_size\": 0}}]}"));
    assertRefused(ErrorCode.RESOURCE_EXHAUSTED, "more than 1000 elements",
        () -> parse(start.replace("[1]", "[1001]") + "\"data\": []}]}"));
    assertRefused(ErrorCode.RESOURCE_EXHAUSTED, "more than " + V2Bytes.MAX_ELEMENTS + " elements",
        () -> new InferRequestParser(ServeLimits.defaults()).parse(ByteBuffer.wrap((start.replace("[1]",
            "[" + (V2Bytes.MAX_ELEMENTS + 1) + "]") + "\"parameters\": {\"binary_data_size\": 0}}]}")
            .getBytes(StandardCharsets.UTF_8)), null));
  }

  @Test
  void writesUtf8AsStringsOtherBytesAsMarkedBase64AndBinaryAsTheSumOfPrefixedElements() throws Exception {
    JsonNode text = written(BytesTensor.ofStrings(List.of("{\"lines\": []}", "\u00e9")), false);
    assertEquals("BYTES", text.get("datatype").asText());
    assertEquals("[2]", text.get("shape").toString());
    assertEquals("{\"lines\": []}", text.get("data").get(0).asText());
    assertEquals("\u00e9", text.get("data").get(1).asText());
    assertFalse(text.has("parameters"));

    BytesTensor raw = BytesTensor.of(List.of(bytes(0x89, 'P', 'N', 'G')));
    JsonNode b64 = written(raw, false);
    assertEquals("base64", b64.get("parameters").get("content_type").asText());
    assertEquals("iVBORw==", b64.get("data").get(0).asText());
    // and it reads back to the same bytes
    assertEquals(raw, V2Bytes.read(b64, BinarySection.empty(), 10, "out"));

    JsonNode bin = written(raw, true);
    assertEquals(8, bin.get("parameters").get("binary_data_size").asLong());
    assertFalse(bin.has("data"));
    BinarySection section = new BinarySection(ByteBuffer.wrap(V2Bytes.encode(raw.elements())));
    assertEquals(raw, V2Bytes.read(bin, section, 10, "out"));
    section.requireConsumed();
  }

  private static JsonNode written(BytesTensor t, boolean binary) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
      V2Bytes.write(g, "lines", t, binary);
    }
    JsonNode n = JSON.readTree(out.toByteArray());
    assertTrue(n.isObject());
    return n;
  }
}

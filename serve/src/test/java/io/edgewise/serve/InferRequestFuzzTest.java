package io.edgewise.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.serve.common.ServeLimits;
import io.edgewise.serve.http.InferRequest;
import io.edgewise.serve.http.InferRequestParser;
import io.edgewise.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The JSON request parser under random and mutated input: every body either parses or is refused with a client
 * error code (never another exception), and no tensor is left open. Size: -Dedgewise.fuzz.cases (x10 here, the
 * parser is fast); seed fixed, or -Dedgewise.fuzz.seed.
 */
class InferRequestFuzzTest {
  private static final Set<ErrorCode> CLIENT_ERRORS = EnumSet.of(ErrorCode.INVALID_ARGUMENT,
      ErrorCode.UNSUPPORTED_TYPE, ErrorCode.RESOURCE_EXHAUSTED, ErrorCode.NOT_IMPLEMENTED);

  static final String VALID = "{\"id\": \"r\", \"parameters\": {\"binary_data_output\": false}, \"inputs\": ["
      + "{\"name\": \"input\", \"shape\": [1, 1, 2, 2], \"datatype\": \"FP32\", \"data\": [[0.5, 1], [2, -3]]},"
      + "{\"name\": \"k\", \"shape\": [2], \"datatype\": \"INT64\", \"data\": [1, 2]},"
      + "{\"name\": \"s\", \"shape\": [2], \"datatype\": \"BYTES\", \"parameters\": {\"content_type\": \"base64\"},"
      + " \"data\": [\"aGk=\", \"\"]}],"
      + "\"outputs\": [{\"name\": \"logits\", \"parameters\": {\"binary_data\": true}}]}";

  /** Tokens that make JSON interesting: structure, extreme numbers, wrong types, the protocol's own keys. */
  static final String[] TOKENS = {"{", "}", "[", "]", ",", ":", "\"", "\\u0000", "null", "true", "-1", "0", "1e999",
      "-0", "1.5", "18446744073709551616", "9223372036854775808", "\"FP32\"", "\"BYTES\"", "\"shape\"", "\"data\"",
      "\"inputs\"", "\"parameters\"", "\"binary_data_size\"", "\"datatype\"", "[[[[", "]]]]", "\"NaN\"", " ", "\n",
      "\"content_type\"", "\"base64\"", "\"str\""};

  @Test
  void mutatedAndRandomBodiesParseOrFailWithAClientError() {
    int cases = Integer.getInteger("edgewise.fuzz.cases", 300) * 10;
    Random rnd = new Random(Long.getLong("edgewise.fuzz.seed", 20261124L));
    InferRequestParser parser = new InferRequestParser(ServeLimits.defaults().withMaxTensorElements(1 << 16));
    long live = Tensor.liveCount();
    int parsed = 0;
    for (int c = 0; c < cases; c++) {
      byte[] body = c % 5 == 0 ? randomBytes(rnd) : mutate(VALID.getBytes(StandardCharsets.UTF_8), rnd);
      String header = c % 7 == 0 ? Integer.toString(rnd.nextInt(body.length + 2) - 1) : null;
      try (InferRequest r = parser.parse(ByteBuffer.wrap(body), header)) {
        parsed++;
        assertTrue(r.inputs().size() + r.bytesInputs().size() >= 1);
      } catch (EdgewiseException e) {
        if (!CLIENT_ERRORS.contains(e.code())) {
          fail("case " + c + ": code " + e.code() + " for " + new String(body, StandardCharsets.UTF_8), e);
        }
      } catch (RuntimeException e) {
        fail("case " + c + ": " + e + " escaped for " + new String(body, StandardCharsets.UTF_8), e);
      }
    }
    assertEquals(live, Tensor.liveCount(), "tensors left open by refused requests");
    assertTrue(parsed > 0 && parsed < cases, "the mutations should keep some requests valid: " + parsed);
  }

  static byte[] randomBytes(Random rnd) {
    byte[] b = new byte[rnd.nextInt(200)];
    rnd.nextBytes(b);
    return b;
  }

  /** One to four edits: delete a span, duplicate a span, insert a token, flip a byte. */
  static byte[] mutate(byte[] valid, Random rnd) {
    StringBuilder s = new StringBuilder(new String(valid, StandardCharsets.ISO_8859_1));
    int edits = 1 + rnd.nextInt(4);
    for (int e = 0; e < edits && s.length() > 0; e++) {
      int at = rnd.nextInt(s.length());
      switch (rnd.nextInt(4)) {
        case 0 -> s.delete(at, Math.min(s.length(), at + 1 + rnd.nextInt(8)));
        case 1 -> s.insert(at, s.substring(at, Math.min(s.length(), at + 1 + rnd.nextInt(16))));
        case 2 -> s.insert(at, TOKENS[rnd.nextInt(TOKENS.length)]);
        default -> s.setCharAt(at, (char) (s.charAt(at) ^ (1 << rnd.nextInt(8))));
      }
    }
    return s.toString().getBytes(StandardCharsets.ISO_8859_1);
  }
}

package io.edgewise.runtime.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.EdgewiseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * |actual - expected| <= atol + rtol * |expected|. Defaults are ONNX's backend-runner defaults; a tolerance.json
 * in the test directory ({"rtol": R, "atol": A}) overrides either.
 */
public record Tolerance(double rtol, double atol) {
  public static final Tolerance ONNX_DEFAULT = new Tolerance(1e-3, 1e-7);
  private static final ObjectMapper JSON = new ObjectMapper();

  public static Tolerance forDirectory(Path testDir) {
    Path file = testDir.resolve("tolerance.json");
    if (!Files.isRegularFile(file)) {
      return ONNX_DEFAULT;
    }
    try {
      JsonNode node = JSON.readTree(file.toFile());
      double rtol = node.path("rtol").isNumber() ? node.get("rtol").asDouble() : ONNX_DEFAULT.rtol;
      double atol = node.path("atol").isNumber() ? node.get("atol").asDouble() : ONNX_DEFAULT.atol;
      if (rtol < 0 || atol < 0) {
        throw EdgewiseException.invalidArgument(file + ": rtol and atol must be >= 0");
      }
      return new Tolerance(rtol, atol);
    } catch (IOException e) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.INVALID_ARGUMENT, file + ": not valid JSON: "
          + e.getMessage(), e);
    }
  }

  public boolean accepts(double actual, double expected) {
    if (Double.isNaN(expected) || Double.isNaN(actual)) {
      return Double.isNaN(expected) && Double.isNaN(actual);
    }
    if (Double.isInfinite(expected) || Double.isInfinite(actual)) {
      return actual == expected;
    }
    return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
  }
}

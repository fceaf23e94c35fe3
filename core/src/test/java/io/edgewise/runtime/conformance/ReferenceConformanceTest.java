package io.edgewise.runtime.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.conformance.TestOutcome.Status;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The ONNX node tests and the shared models on the `ref` device: the oracle itself is checked against data
 * nobody here wrote.
 */
class ReferenceConformanceTest {
  /**
   * Every test that may be skipped on ref, with the reason. Nothing else may be skipped, and each of these must
   * be skipped (not silently passed).
   */
  static final Map<String, String> EXPECTED_SKIPS = new TreeMap<>(Map.ofEntries(
      Map.entry("test_dequantizelinear_e4m3fn_float16", "float8e4m3fn input"),
      Map.entry("test_dequantizelinear_e4m3fn_zero_point", "float8e4m3fn input"),
      Map.entry("test_dequantizelinear_e5m2", "float8e5m2 input"),
      Map.entry("test_dequantizelinear_float4e2m1", "float4e2m1 input"),
      Map.entry("test_dequantizelinear_uint2", "uint2 input"),
      Map.entry("test_dequantizelinear_uint4", "uint4 input"),
      Map.entry("test_quantizelinear_e4m3fn", "float8e4m3fn output"),
      Map.entry("test_quantizelinear_e5m2", "float8e5m2 output"),
      Map.entry("test_quantizelinear_int2", "int2 output"),
      Map.entry("test_quantizelinear_int4", "int4 output"),
      Map.entry("test_quantizelinear_uint2", "uint2 output"),
      Map.entry("test_quantizelinear_uint4", "uint4 output"),
      Map.entry("test_identity_opt", "optional type"),
      Map.entry("test_identity_sequence", "sequence type")));

  private static final SessionOptions REF = SessionOptions.defaults().withDevice("ref");

  @Test
  void everyOnnxNodeTestPassesOnRefExceptUnsupportedTypes() {
    ConformanceSummary summary = new ConformanceRunner(REF).runAll(List.of(TestData.onnxNode()), o -> { });
    String failures = summary.outcomes().stream().filter(o -> o.status() == Status.FAILED)
        .map(o -> o.name() + ": " + o.detail()).collect(Collectors.joining("\n"));
    assertEquals(0, summary.failed(), summary.line() + "\n" + failures);
    List<String> skipped = summary.outcomes().stream().filter(o -> o.status() == Status.SKIPPED)
        .map(TestOutcome::name).sorted().toList();
    assertEquals(List.copyOf(EXPECTED_SKIPS.keySet()), skipped, "skipped tests");
    assertTrue(summary.passed() >= 160, summary.line());
  }

  @Test
  void everySharedModelPassesOnRefWithinItsTolerance() {
    ConformanceSummary summary = new ConformanceRunner(REF).runAll(List.of(TestData.models()), o -> { });
    String failures = summary.outcomes().stream().filter(o -> o.status() != Status.PASSED)
        .map(o -> o.name() + ": " + o.detail()).collect(Collectors.joining("\n"));
    assertEquals(5, summary.passed(), summary.line() + "\n" + failures);
  }
}

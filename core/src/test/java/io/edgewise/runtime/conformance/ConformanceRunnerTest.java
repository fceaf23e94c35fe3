package io.edgewise.runtime.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's own rules: discovery, tolerance, failure on a wrong expected output, skips by type. */
class ConformanceRunnerTest {
  @Test
  void toleranceFollowsTheOnnxRuleAndNanEqualsNan() {
    Tolerance t = Tolerance.ONNX_DEFAULT;
    assertTrue(t.accepts(1.0005, 1.0));
    assertFalse(t.accepts(1.002, 1.0));
    assertTrue(t.accepts(Double.NaN, Double.NaN));
    assertFalse(t.accepts(0.0, Double.NaN));
    assertTrue(t.accepts(Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY));
    assertFalse(t.accepts(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY));
  }

  @Test
  void integersCompareExactly() {
    try (Tensor a = Tensor.ofLongs(DType.INT64, Shape.of(2), 1, 2);
        Tensor b = Tensor.ofLongs(DType.INT64, Shape.of(2), 1, 3)) {
      assertNull(OutputComparator.compare("y", a, a, Tolerance.ONNX_DEFAULT));
      assertTrue(OutputComparator.compare("y", a, b, Tolerance.ONNX_DEFAULT).contains("flat index 1"));
    }
  }

  @Test
  void aWrongExpectedOutputFailsAndTheRestPass(@TempDir Path dir) throws IOException {
    Path good = TestData.copyDirectory(TestData.onnxNode().resolve("test_relu"), dir.resolve("a/test_relu"));
    Path bad = TestData.copyDirectory(TestData.onnxNode().resolve("test_relu"), dir.resolve("b/test_relu_broken"));
    Path expected = bad.resolve("test_data_set_0/output_0.pb");
    try (Tensor y = TensorProtos.readFile(expected)) {
      y.setFloat(3, y.getFloat(3) + 1f);
      TensorProtos.writeFile(y, "y", expected);
    }
    ConformanceSummary s = new ConformanceRunner(SessionOptions.defaults()).runAll(List.of(dir), o -> { });
    assertEquals("1 passed, 1 failed, 0 skipped", s.line());
    assertTrue(s.outcomes().stream().anyMatch(o -> o.name().equals("test_relu_broken")
        && o.detail().contains("flat index 3")));
    assertEquals(good.getFileName().toString(), s.outcomes().get(0).name());
  }

  @Test
  void unsupportedTypesAreSkippedWithTheirReason() {
    ConformanceRunner runner = new ConformanceRunner(SessionOptions.defaults());
    TestOutcome seq = runner.run(TestData.onnxNode().resolve("test_identity_sequence"));
    assertEquals(TestOutcome.Status.SKIPPED, seq.status());
    assertTrue(seq.detail().contains("sequence"), seq.detail());
    TestOutcome f8 = runner.run(TestData.onnxNode().resolve("test_quantizelinear_e4m3fn"));
    assertEquals(TestOutcome.Status.SKIPPED, f8.status());
  }

}

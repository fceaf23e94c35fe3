package io.edgewise.backend.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.conformance.ConformanceRunner;
import io.edgewise.runtime.conformance.TestOutcome;
import io.edgewise.runtime.conformance.TestOutcome.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The ONNX node tests of the convolution, pooling, matrix and quantization ops on `ref`, plain Java (the default)
 * and with the native GEMM option: every one passes except those whose element types the runtime does not support
 * (float8, int4, ...).
 */
class ConvOpsConformanceTest {
  /** Target ops of this group, as named in the MANIFEST's second column. */
  private static final Set<String> OPS = Set.of("Conv", "ConvTranspose", "ConvInteger", "QLinearConv", "MaxPool",
      "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Gemm", "MatMul", "MatMulInteger", "QuantizeLinear",
      "DequantizeLinear");

  static List<Path> testsOfOurOps() throws IOException {
    Path root = TestData.onnxNode();
    List<Path> dirs = new ArrayList<>();
    for (String line : Files.readAllLines(root.resolve("MANIFEST.txt"))) {
      String[] cols = line.split("\t");
      if (!line.startsWith("#") && cols.length > 1 && OPS.contains(cols[1])) {
        dirs.add(root.resolve(cols[0]));
      }
    }
    return dirs;
  }

  @Test
  void onnxNodeTestsPassWithTheNativeGemmOption() throws IOException {
    check(SessionOptions.defaults().withDevice("ref").withRefNativeGemm(true));
  }

  @Test
  void onnxNodeTestsPassWithPlainJava() throws IOException {
    check(SessionOptions.defaults().withDevice("ref"));
  }

  /** The shared CNNs (ResNet-18, MobileNet-V2, SqueezeNet, digits) on the default plain-Java GEMM. */
  @Test
  void sharedModelsPassWithPlainJava() {
    ConformanceRunner runner = new ConformanceRunner(SessionOptions.defaults().withDevice("ref"));
    List<TestOutcome> outcomes = runner.runAll(List.of(TestData.models()), o -> { }).outcomes();
    String notPassed = outcomes.stream().filter(o -> o.status() != Status.PASSED)
        .map(o -> o.name() + ": " + o.detail()).collect(Collectors.joining("\n"));
    assertEquals("", notPassed);
    assertEquals(5, outcomes.size());
  }

  private static void check(SessionOptions options) throws IOException {
    List<Path> dirs = testsOfOurOps();
    assertTrue(dirs.size() >= 70, "found only " + dirs.size() + " tests");
    ConformanceRunner runner = new ConformanceRunner(options);
    List<TestOutcome> outcomes = dirs.stream().map(runner::run).toList();
    String failed = outcomes.stream().filter(o -> o.status() == Status.FAILED)
        .map(o -> o.name() + ": " + o.detail()).collect(Collectors.joining("\n"));
    String skipped = outcomes.stream().filter(o -> o.status() == Status.SKIPPED)
        .map(o -> o.name() + ": " + o.detail()).collect(Collectors.joining("\n"));
    long passed = outcomes.stream().filter(o -> o.status() == Status.PASSED).count();
    System.out.println("conv/pool/matrix/quant on ref: " + passed + " passed of " + outcomes.size()
        + "\nskipped:\n" + skipped);
    assertEquals("", failed);
    for (TestOutcome o : outcomes) {
      if (o.status() == Status.SKIPPED) {
        assertTrue(o.detail().matches("(?s).*(float8|float4|int4|uint4|int2|uint2|FLOAT8|FLOAT4|INT4|UINT4|INT2|UINT2).*"),
            o.name() + " skipped for another reason: " + o.detail());
      }
    }
  }
}

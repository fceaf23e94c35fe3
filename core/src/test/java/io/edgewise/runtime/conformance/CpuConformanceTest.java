package io.edgewise.runtime.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.TestData;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.conformance.TestOutcome.Status;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The cpu device (native kernels, reference fallback per node) on the same data, at 1 and 2 threads. */
class CpuConformanceTest {
  @Test
  void onnxNodeTestsAndSharedModelsPassOnCpu() {
    for (int threads : new int[] {1, 2}) {
      SessionOptions cpu = SessionOptions.defaults().withDevice("cpu").withThreads(threads);
      ConformanceSummary nodes = new ConformanceRunner(cpu).runAll(List.of(TestData.onnxNode()), o -> { });
      String failures = nodes.outcomes().stream().filter(o -> o.status() == Status.FAILED)
          .map(o -> o.name() + ": " + o.detail()).collect(Collectors.joining("\n"));
      assertEquals(0, nodes.failed(), nodes.line() + "\n" + failures);
      assertEquals(List.copyOf(ReferenceConformanceTest.EXPECTED_SKIPS.keySet()), nodes.outcomes().stream()
          .filter(o -> o.status() == Status.SKIPPED).map(TestOutcome::name).sorted().toList());
      ConformanceSummary models = new ConformanceRunner(cpu).runAll(List.of(TestData.models()), o -> { });
      assertEquals(5, models.passed(), models.line() + " " + models.outcomes());
    }
  }
}

package io.edgewise.backend.fpga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgewise.TestData;
import io.edgewise.backend.LayerFigures;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.conformance.ConformanceRunner;
import io.edgewise.runtime.conformance.ConformanceSummary;
import io.edgewise.runtime.conformance.TestOutcome;
import io.edgewise.runtime.conformance.TestOutcome.Status;
import io.edgewise.tensor.Tensor;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The conformance runner on `fpga` (emulated): the image's ops (Conv, FusedConv, Gemm) run on the device where the
 * tiles allow, the rest falls back to cpu; every node test and the shared digits and ResNet-18 models pass within
 * their tolerances with the fpga device in the plan.
 */
class FpgaConformanceTest {
  static final SessionOptions FPGA = SessionOptions.defaults().withDevice("fpga").withThreads(2);

  @BeforeAll
  static void image() {
    FpgaTestImage.build();
    assumeTrue(Files.isDirectory(TestData.onnxNode()), "shared test data absent");
  }

  @Test
  void nodeTestsPassOnFpgaWithCpuFallback() {
    ConformanceSummary nodes = new ConformanceRunner(FPGA).runAll(List.of(TestData.onnxNode()), o -> { });
    String failures = nodes.outcomes().stream().filter(o -> o.status() == Status.FAILED)
        .map(o -> o.name() + ": " + o.detail()).collect(Collectors.joining("\n"));
    assertEquals(0, nodes.failed(), nodes.line() + "\n" + failures);
    List<String> passedConv = nodes.outcomes().stream().filter(o -> o.status() == Status.PASSED)
        .map(TestOutcome::name).filter(n -> n.matches("test_(basic_conv|conv_with|gemm).*")).toList();
    assertTrue(passedConv.size() >= 10, "conv/gemm node tests passed on fpga: " + passedConv);
  }

  @Test
  void digitsAndResnet18PassWithTheFpgaInThePlan() {
    ConformanceSummary models = new ConformanceRunner(FPGA).runAll(List.of(TestData.model("digits_cnn_0to9"),
        TestData.model("resnet18")), o -> { });
    assertEquals(2, models.passed(), models.line() + " " + models.outcomes());
  }

  @Test
  void resnet18RunsItsConvolutionsOnTheDeviceAndReportsBothFigures() throws Exception {
    long buffers = io.edgewise.backend.opencl.ClBuffer.liveCount();
    try (Session s = Session.open(TestData.model("resnet18").resolve("model.onnx"), FPGA)) {
      Map<String, Tensor> feeds = new java.util.LinkedHashMap<>();
      for (var in : s.inputs()) {
        feeds.put(in.name(), io.edgewise.tensor.TensorProtos.readFile(TestData.model("resnet18")
            .resolve("test_data_set_0/input_0.pb")));
      }
      s.run(feeds).values().forEach(Tensor::close);
      feeds.values().forEach(Tensor::close);
      List<LayerFigures> figures = s.layerFigures();
      // ResNet-18: 20 convolutions and the classifier Gemm; the 7x7 stem exceeds KMAX=3 and stays on cpu
      assertEquals(20, figures.size(), figures.toString());
      assertFalse(figures.stream().anyMatch(f -> f.calls() != 1 || f.modeledCycles() <= 0 || f.measuredNanos() <= 0));
      assertTrue(figures.stream().allMatch(f -> f.measuredWhat().contains("emulator")));
      // 19 convolutions and the Gemm keep their reshaped weights on the device for the session
      assertEquals(buffers + 20, io.edgewise.backend.opencl.ClBuffer.liveCount());
    }
    assertEquals(buffers, io.edgewise.backend.opencl.ClBuffer.liveCount(), "device buffers leaked by the session");
  }
}

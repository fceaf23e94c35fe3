package io.edgewise.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.conformance.ConformanceRunner;
import io.edgewise.runtime.conformance.ConformanceSummary;
import io.edgewise.runtime.conformance.TestOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The opencl device against the ONNX node tests of the ops it runs and two of the shared models (each within its
 * tolerance.json), through the same conformance runner as `edgewise conformance --device opencl`; and where the
 * nodes ran: the node tests of device ops must run on the device, not on the host fallback. (Every other node
 * test passes too, on the host fallback: `edgewise conformance ../shared/testdata/onnx-node --device opencl`.) (MobileNetV2 and SqueezeNet pass
 * too, through `edgewise conformance ../shared/testdata/models --device opencl`; they are left out here because
 * each adds PoCL compiles of its own kernel variants, seconds each on a cold cache.)
 */
class OpenClConformanceTest {
  private static final List<String> DEVICE_OP_TESTS = List.of("test_basic_conv_with_padding",
      "test_basic_conv_without_padding", "test_conv_with_strides_no_padding", "test_conv_with_strides_padding",
      "test_averagepool_2d_default", "test_averagepool_2d_pads", "test_averagepool_2d_ceil",
      "test_averagepool_2d_precomputed_pads_count_include_pad", "test_averagepool_2d_same_lower",
      "test_averagepool_2d_dilations", "test_maxpool_2d_precomputed_pads", "test_maxpool_2d_strides",
      "test_maxpool_2d_ceil", "test_maxpool_2d_same_upper", "test_globalaveragepool_precomputed",
      "test_gemm_all_attributes", "test_gemm_transposeB", "test_gemm_default_no_bias", "test_gemm_alpha",
      "test_add", "test_add_bcast", "test_mul_bcast", "test_relu", "test_clip_default_inbounds", "test_leakyrelu",
      "test_sigmoid_example", "test_hardsigmoid", "test_concat_3d_axis_1", "test_concat_2d_axis_negative_1",
      "test_transpose_all_permutations_3", "test_transpose_default", "test_flatten_axis2");

  @Test
  void nodeTestsOfDeviceOpsPassOnTheDevice() {
    ClTestDevices.first();
    Path node = TestData.onnxNode();
    ConformanceRunner runner = new ConformanceRunner(SessionOptions.defaults().withDevice("opencl"));
    List<String> onHost = new ArrayList<>();
    int ran = 0;
    for (String name : DEVICE_OP_TESTS) {
      Path dir = node.resolve(name);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      long host = ClExecutable.hostNodeRuns();
      long device = ClExecutable.deviceNodeRuns();
      TestOutcome o = runner.run(dir);
      assertEquals(TestOutcome.Status.PASSED, o.status(), name + ": " + o.detail());
      if (ClExecutable.hostNodeRuns() != host || ClExecutable.deviceNodeRuns() == device) {
        onHost.add(name);
      }
      ran++;
    }
    assertTrue(ran >= 25, "node tests found: " + ran);
    assertTrue(onHost.isEmpty(), "these ran (partly) on the host fallback: " + onHost);
  }

  @Test
  void secondStartOfAModelCompilesNothing() {
    ClTestDevices.first();
    Path model = TestData.model("digits_cnn_0to9");
    ConformanceRunner runner = new ConformanceRunner(SessionOptions.defaults().withDevice("opencl"));
    assertEquals(TestOutcome.Status.PASSED, runner.run(model).status());  // first start: may compile
    int compiles = ClProgramCache.compiles();
    int loads = ClProgramCache.binaryLoads();
    TestOutcome second = runner.run(model);  // a new session: new context, programs from the disk cache
    assertEquals(TestOutcome.Status.PASSED, second.status(), second.detail());
    assertEquals(compiles, ClProgramCache.compiles(), "the second start compiled a program");
    assertTrue(ClProgramCache.binaryLoads() > loads, "the second start loaded cached binaries");
  }

  @Test
  void resnet18AndDigitsPassWithinTheirTolerance() {
    ClTestDevices.first();
    long device = ClExecutable.deviceNodeRuns();
    ConformanceSummary summary = new ConformanceRunner(SessionOptions.defaults().withDevice("opencl"))
        .runAll(List.of(TestData.model("resnet18"), TestData.model("digits_cnn_0to9")), o -> { });
    List<String> failed = summary.outcomes().stream().filter(o -> o.status() != TestOutcome.Status.PASSED)
        .map(o -> o.name() + ": " + o.status() + " " + o.detail()).toList();
    assertTrue(failed.isEmpty(), String.join("\n", failed));
    assertEquals(2, summary.passed(), summary.line());
    assertTrue(ClExecutable.deviceNodeRuns() - device > 20, "the models' convolutions ran on the device");
  }
}

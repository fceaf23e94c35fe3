package io.edgewise.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.backend.fpga.FpgaTestImage;
import io.edgewise.model.Attribute;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Training on the fpga device (the emulated image, PoCL): the image's tiled kernel runs the forward, input-gradient
 * and weight-gradient passes, and they agree with ref within the cpu tolerance; what the image cannot run (grouped
 * convolution) falls back to cpu and stays correct. Skipped where PoCL is absent.
 */
class FpgaTrainingTest {
  @BeforeAll
  static void image() {
    FpgaTestImage.build();
  }

  @Test
  void convolutionPassesAgreeWithRef() {
    List<GradCheck> cases = List.of(
        new GradCheck("Conv", 41).input("x", -1, 1, 2, 5, 9, 11).param("w", -1, 1, 7, 5, 3, 3).param("b", -1, 1, 7)
            .attr(Attribute.ofInts("pads", 1, 1, 1, 1)),
        new GradCheck("Conv", 42).input("x", -1, 1, 1, 10, 13, 7).param("w", -1, 1, 17, 10, 3, 3)
            .attr(Attribute.ofInts("strides", 2, 2)).attr(Attribute.ofInts("pads", 1, 1, 1, 1)),
        new GradCheck("Conv", 43).input("x", -1, 1, 1, 19, 5, 6).param("w", -1, 1, 9, 19, 1, 1),
        new GradCheck("Conv", 44).input("x", -1, 1, 1, 4, 6, 6).param("w", -1, 1, 4, 2, 3, 3)
            .attr(Attribute.ofInt("group", 2)));
    try (TrainingKernels fpga = TrainingKernels.forDevice("fpga")) {
      for (GradCheck c : cases) {
        TrainGraph ref = c.build(TrainingKernels.forDevice("ref"));
        TrainGraph dev = c.build(fpga);
        HeapTensor y = c.forward(ref);
        CpuMatchesReferenceTest.assertClose(c + " forward on fpga", y, c.forward(dev));
        HeapTensor seed = c.random(-1, 1, y.shape());
        Map<String, HeapTensor> gRef = c.gradients(ref, seed);
        Map<String, HeapTensor> gDev = c.gradients(dev, seed);
        assertEquals(gRef.keySet(), gDev.keySet());
        for (String name : gRef.keySet()) {
          CpuMatchesReferenceTest.assertClose(c + " d/d" + name + " on fpga", gRef.get(name), gDev.get(name));
        }
      }
      assertTrue(((FpgaTrainingKernels) fpga).deviceNanos() > 0, "the passes ran on the device");
    }
  }

  @Test
  void digitsCnnTrainsEveryLayerOnTheFpgaAsOnCpu() {
    DataSplit data = DataSplit.load(TestData.root().resolve("digits"), null, DataSplit.Protocol.B, 10);
    float[][] tuned = new float[2][];
    String[] devices = {"cpu", "fpga"};
    for (int d = 0; d < 2; d++) {
      try (Model m = OnnxImporter.load(TestData.model("digits_cnn_0to4").resolve("model.onnx"));
          FineTuner tuner = new FineTuner(m, FineTuneConfig.defaults(devices[d], 3, 0.05).withReplaceHead(10),
              null)) {
        FineTuner.Result r = tuner.run(data);
        assertTrue(r.trainedParameters().contains("conv1.weight"), "every layer trains");
        tuned[d] = m.graph().initializers().get("conv2.weight").toFloatArray();
      }
    }
    CpuMatchesReferenceTest.assertClose("conv2.weight after 3 epochs, fpga against cpu",
        new HeapTensor(tuned[0], new int[] {tuned[0].length}), new HeapTensor(tuned[1], new int[] {tuned[1].length}));
  }
}

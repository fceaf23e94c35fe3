package io.edgewise.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.backend.OpProfile;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.ValueInfo.Dim;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.NativeLeakGuard;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shape arithmetic of the real OCR models (the classifier's head: Shape, Gather, Cast, Concat, Reshape's shape;
 * the recogniser's) runs once per input shape on cpu and is skipped on later runs of that shape, and every run,
 * the first of a shape and the later ones, agrees with ref, also with input shapes fed in turn. A shape that follows
 * an input's values is never folded.
 */
@ExtendWith(NativeLeakGuard.class)
class CpuShapeFoldingTest {
  @Test
  void theClassifiersHeadRunsOnceAndEveryRunMatchesRef() {
    long shapeCalls = check("ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx", new long[][] {{48, 192}, {48, 192},
        {48, 192}}, 1);
    assertTrue(shapeCalls > 0, "the classifier has shape arithmetic");
  }

  @Test
  void theRecogniserFedTwoWidthsInTurnFoldsEachOnceAndMatchesRef() {
    check("ocr/ch_PP-OCRv4_rec_infer.onnx", new long[][] {{48, 96}, {48, 160}, {48, 96}, {48, 160}}, 2);
  }

  /**
   * Runs the model on cpu and ref for each shape in turn, comparing every output; returns how often cpu ran its Shape
   * nodes, after checking that this is once per distinct shape (what the first run of a shape did), not once a run.
   */
  private static long check(String file, long[][] sizes, int distinct) {
    Path model = TestData.root().resolve(file);
    Assumptions.assumeTrue(Files.isRegularFile(model), model + " is not present");
    Random rnd = new Random(23);
    long firstRunShapeCalls = -1;
    try (Session cpu = Session.open(model, SessionOptions.defaults().withDevice("cpu").withThreads(2));
        Session ref = Session.open(model, SessionOptions.defaults().withDevice("ref"))) {
      for (int run = 0; run < sizes.length; run++) {
        try (Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(1, 3, sizes[run][0], sizes[run][1]))) {
          for (long k = 0; k < x.size(); k++) {
            x.setFloat(k, rnd.nextFloat() * 2 - 1);
          }
          float[] e = only(ref.run(Map.of("x", x)));
          float[] a = only(cpu.run(Map.of("x", x)));
          String where = file + " run " + run + " (" + sizes[run][0] + "x" + sizes[run][1] + ")";
          assertEquals(e.length, a.length, where);
          for (int k = 0; k < e.length; k++) {
            assertEquals(e[k], a[k], 1e-4 * Math.max(1, Math.abs(e[k])), where + " [" + k + "]");
          }
        }
        if (run == 0) {
          firstRunShapeCalls = calls(cpu.profile(), "Shape");
        }
      }
      assertTrue(firstRunShapeCalls > 0, file + ": no Shape node ran on cpu");
      assertEquals(distinct * firstRunShapeCalls, calls(cpu.profile(), "Shape"),
          file + ": Shape nodes ran again on a later run of a shape already seen");
      return firstRunShapeCalls;
    }
  }

  @Test
  void aShapeFollowingAnInputsValuesIsComputedEveryRun() {
    // out = Reshape(x, Shape(Reshape(x, shape))): the fed shape decides the output's, run after run
    Graph g = new Graph("fed-shape");
    g.inputs().add(new ValueInfo("x", DType.FLOAT32, List.of(Dim.of(12)), null));
    g.inputs().add(new ValueInfo("shape", DType.INT64, List.of(Dim.of(2)), null));
    g.nodes().add(new Node("r", "Reshape", List.of("x", "shape"), List.of("r")));
    g.nodes().add(new Node("s", "Shape", List.of("r"), List.of("s")));
    g.nodes().add(new Node("c", "Cast", List.of("s"), List.of("c")));
    g.nodes().get(2).setAttr(io.edgewise.model.Attribute.ofInt("to", 7));
    g.nodes().add(new Node("out", "Reshape", List.of("x", "c"), List.of("out")));
    g.outputs().add(ValueInfo.tensor("out", DType.FLOAT32));
    Model m = new Model(g, Map.of("", 13L), 8, "test", null, null);
    try (Session cpu = Session.open(m, SessionOptions.defaults().withDevice("cpu"));
        Tensor x = Tensor.ofFloats(Shape.of(12), new float[12])) {
      for (long[] fed : new long[][] {{3, 4}, {2, 6}, {3, 4}, {12, 1}}) {
        try (Tensor shape = Tensor.ofLongs(DType.INT64, Shape.of(2), fed)) {
          Map<String, Tensor> out = cpu.run(Map.of("x", x, "shape", shape));
          assertArrayEquals(fed, out.get("out").shape().dims());
          out.values().forEach(Tensor::close);
        }
      }
    }
  }

  private static long calls(OpProfile profile, String op) {
    return profile.entries().stream().filter(e -> e.op().equals(op)).mapToLong(OpProfile.Entry::calls).sum();
  }

  private static float[] only(Map<String, Tensor> outputs) {
    assertEquals(1, outputs.size());
    float[] v = outputs.values().iterator().next().toFloatArray();
    outputs.values().forEach(Tensor::close);
    return v;
  }
}

package io.edgewise.model.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every ONNX node test: the shape inference derives of each output must equal the shape of the expected output
 * file. The declared output types are erased first (so nothing is copied from them), and every input but the first
 * becomes an initializer holding the test's value, the way real models carry Reshape shapes, pads and scales.
 */
class NodeTestShapesTest {
  @Test
  void inferredOutputShapesEqualTheExpectedOutputs() throws IOException {
    List<String> missing = new ArrayList<>();
    int checked = 0;
    List<Path> dirs;
    try (Stream<Path> s = Files.list(TestData.onnxNode())) {
      dirs = s.filter(p -> Files.exists(p.resolve("model.onnx"))).sorted().toList();
    }
    for (Path dir : dirs) {
      List<Tensor> expected = readOutputs(dir);
      if (expected == null) {
        continue;  // sequence/optional or an element type the runtime does not hold
      }
      try (Model m = OnnxImporter.load(dir.resolve("model.onnx"))) {
        Graph g = m.graph();
        if (!constantInputs(g, dir)) {
          continue;
        }
        List<String> outputs = g.outputNames();
        g.outputs().replaceAll(v -> ValueInfo.tensor(v.name(), v.dtype()));
        g.valueInfo().clear();
        ShapeInference.infer(m);
        for (int k = 0; k < outputs.size(); k++) {
          ValueInfo info = g.valueInfo().get(outputs.get(k));
          String what = dir.getFileName() + " output " + outputs.get(k);
          if (info == null) {
            missing.add(what);
            continue;
          }
          assertEquals(expected.get(k).shape(), info.concreteShape(), what);
          assertEquals(expected.get(k).dtype(), info.dtype(), what);
          checked++;
        }
      } finally {
        expected.forEach(Tensor::close);
      }
    }
    // every op of the suite has a rule: no output may stay unknown
    assertEquals(List.of(), missing, "outputs left unknown");
    System.out.println("node-test shapes: " + checked + " outputs inferred and checked");
    assertTrue(checked > 150, "only " + checked + " outputs checked");
  }

  private static List<Tensor> readOutputs(Path dir) {
    List<Tensor> out = new ArrayList<>();
    for (int k = 0; Files.exists(dir.resolve("test_data_set_0/output_" + k + ".pb")); k++) {
      try {
        out.add(TensorProtos.readFile(dir.resolve("test_data_set_0/output_" + k + ".pb")));
      } catch (EdgewiseException e) {
        out.forEach(Tensor::close);
        return null;
      }
    }
    return out;
  }

  /** Moves inputs 1.. into initializers; false when one cannot be read as a tensor. */
  private static boolean constantInputs(Graph g, Path dir) {
    List<ValueInfo> inputs = new ArrayList<>(g.inputs());
    for (int i = 1; i < inputs.size(); i++) {
      Path pb = dir.resolve("test_data_set_0/input_" + i + ".pb");
      try {
        g.initializers().put(inputs.get(i).name(), TensorProtos.readFile(pb));
      } catch (EdgewiseException e) {
        return false;
      }
      g.inputs().remove(inputs.get(i));
    }
    return !inputs.isEmpty() && inputs.get(0).isSupported();
  }
}

package io.edgewise.runtime.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.TestData;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.onnx.OnnxImporter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Cut points against a brute-force check of the definition, and bytes against hand-computed sizes. */
class CutPointFinderTest {
  @Test
  void digitsCnnCutsHaveTheHandComputedSizes() {
    try (Model m = OnnxImporter.load(TestData.model("digits_cnn_0to9").resolve("model.onnx"))) {
      List<CutPoint> cuts = CutPointFinder.all(m);
      assertEquals(m.graph().nodes().size() + 1, cuts.size());
      assertEquals(1 * 1 * 8 * 8 * 4, cuts.get(0).bytes());     // the input image [1, 1, 8, 8] fp32
      assertEquals(1 * 16 * 8 * 8 * 4, cuts.get(1).bytes());    // after Conv(1->16, 3x3, pad 1)
      assertEquals(1 * 32 * 4 * 4 * 4, cuts.get(5).bytes());    // after MaxPool 2x2: [1, 32, 4, 4]
      assertEquals(10 * 4, cuts.get(cuts.size() - 1).bytes());  // the logits
      assertTrue(cuts.get(cuts.size() - 1).isAllLocal());
      // conv1 (16 outputs of 3x3x1 per pixel, 64 pixels) and conv2 (32 x 3x3x16 x 64) are after cut 0
      assertEquals(2, cuts.get(0).suffix().convLayers());
      assertEquals(64L * 16 * 9 + 64L * 32 * 9 * 16, cuts.get(0).suffix().convMacs());
    }
  }

  @Test
  void everyCutOfResNetMatchesTheDefinition() {
    try (Model m = OnnxImporter.load(TestData.model("resnet18").resolve("model.onnx"))) {
      Graph g = m.graph();
      List<CutPoint> cuts = CutPointFinder.all(m);
      List<Node> nodes = g.nodes();
      for (CutPoint c : cuts) {
        Set<String> expected = new HashSet<>();
        // brute force: a value crosses when it is a graph input or made before the cut, and read after it
        Set<String> before = new HashSet<>(g.inputNames());
        before.removeAll(g.initializers().keySet());
        for (int i = 0; i < c.position(); i++) {
          before.addAll(nodes.get(i).outputs());
        }
        for (String v : before) {
          boolean readAfter = g.outputNames().contains(v);
          for (int i = c.position(); i < nodes.size() && !readAfter; i++) {
            readAfter = nodes.get(i).inputs().contains(v);
          }
          if (readAfter) {
            expected.add(v);
          }
        }
        assertEquals(expected, new HashSet<>(c.tensors()), c.describe());
      }
      List<CutPoint> narrow = CutPointFinder.find(m, 1);
      List<CutPoint> wide = CutPointFinder.find(m, 2);
      assertTrue(wide.size() > narrow.size(), "residual blocks have cuts where two values cross");
      assertTrue(narrow.stream().allMatch(c -> c.tensors().size() == 1));
      assertTrue(wide.stream().anyMatch(c -> c.tensors().size() == 2));
    }
  }
}

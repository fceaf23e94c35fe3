package io.edgewise.zoo.quant;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns Constant nodes holding a tensor into initializers of the same name, so the transforms see weights as the
 * constants they are (paddle2onnx writes PaddleOCR's weights as 300-odd Constant nodes, not initializers).
 */
final class ConstantNodes {
  private ConstantNodes() {}

  /** Returns how many Constant nodes became initializers. */
  static int toInitializers(Graph g) {
    List<Node> gone = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (!n.opType().equals("Constant") || !n.domain().isEmpty() || n.outputs().size() != 1
          || n.attributes().size() != 1 || !n.hasAttr("value") || n.attr("value").kind() != Attribute.Kind.TENSOR
          || g.isOutput(n.output(0)) || g.initializers().containsKey(n.output(0))) {
        continue;
      }
      // the graph takes the tensor over: the node that held it is dropped without closing it
      g.initializers().put(n.output(0), n.attr("value").asTensor());
      gone.add(n);
    }
    g.nodes().removeAll(gone);
    return gone.size();
  }
}

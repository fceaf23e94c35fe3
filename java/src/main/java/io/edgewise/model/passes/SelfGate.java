package io.edgewise.model.passes;

import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import java.util.List;

/**
 * value * G(value): an activation that exporters write as a gate on its own input, which one fused activation
 * computes. Sigmoid gives SiLU (EfficientNet, YOLOv5 and v8); HardSigmoid with alpha 1/6 and beta 0.5 gives
 * HardSwish (torch's export of hardswish below opset 14: MobileNetV3). Other HardSigmoid gates (alpha 0.2) are no
 * activation of ours.
 *
 * @param gate the Sigmoid or HardSigmoid node
 * @param mul the Mul of the value and the gate's output, whose output the fused activation writes
 * @param activation the FusedConv activation name: SiLU or HardSwish
 */
public record SelfGate(Node gate, Node mul, String activation) {
  /**
   * The gate on value, or null: exactly two nodes read value, a Sigmoid or HardSigmoid (of the parameters above) and
   * a Mul reading value and the gate's output once each, the gate's output goes nowhere else, and value is no graph
   * output.
   */
  public static SelfGate find(Graph g, String value) {
    if (GraphEdits.isGraphOutput(g, value)) {
      return null;
    }
    List<Node> readers = g.consumers(value);
    if (readers.size() != 2) {
      return null;
    }
    int at = activation(readers.get(0)) != null ? 0 : 1;
    Node gate = readers.get(at);
    Node mul = readers.get(1 - at);
    String activation = activation(gate);
    if (activation == null || !mul.opType().equals("Mul") || !mul.domain().isEmpty() || mul.inputs().size() != 2
        || GraphEdits.soleConsumer(g, gate.output(0)) != mul) {
      return null;
    }
    String out = gate.output(0);
    boolean pair = mul.input(0).equals(value) && mul.input(1).equals(out)
        || mul.input(1).equals(value) && mul.input(0).equals(out);
    return pair ? new SelfGate(gate, mul, activation) : null;
  }

  /** The fused activation a gate node makes, or null. */
  private static String activation(Node n) {
    if (!n.domain().isEmpty() || n.inputs().size() != 1) {
      return null;
    }
    if (n.opType().equals("Sigmoid")) {
      return "SiLU";
    }
    // torch writes alpha = 1/6 rounded to float; HardSwish's fixed 1/6 is the same float
    boolean hardSwish = n.opType().equals("HardSigmoid") && n.attrFloat("alpha", 0.2f) == 1f / 6
        && n.attrFloat("beta", 0.5f) == 0.5f;
    return hardSwish ? "HardSwish" : null;
  }
}

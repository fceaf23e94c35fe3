package io.edgewise.model.passes;

import io.edgewise.model.Graph;
import io.edgewise.model.Node;
import java.util.ArrayList;
import java.util.List;

/**
 * value * G(value): an activation that exporters write as a gate on its own input, which one fused activation
 * computes. Sigmoid gives SiLU (EfficientNet, YOLOv5 and v8); HardSigmoid with alpha 1/6 and beta 0.5 gives HardSwish
 * (torch's export of hardswish below opset 14: MobileNetV3), and so does relu6(value + 3) / 6 written Add, Clip(0, 6)
 * and Div by 6 or Mul by 1/6 (hand-written h_swish modules, Keras' hard_swish). Other gates (HardSigmoid with alpha
 * 0.2) are no activation of ours.
 *
 * @param gate the nodes from the one reading value to the one whose output the Mul reads
 * @param mul the Mul of the value and the gate's output, whose output the fused activation writes
 * @param activation the FusedConv activation name: SiLU or HardSwish
 */
public record SelfGate(List<Node> gate, Node mul, String activation) {
  /**
   * The gate on value, or null: exactly two nodes read value, the gate's first node and a Mul reading value and the
   * gate's output once each; every gate node's output goes only to the next (the last's to the Mul); value is no
   * graph output.
   */
  public static SelfGate find(Graph g, String value) {
    if (GraphEdits.isGraphOutput(g, value)) {
      return null;
    }
    List<Node> readers = g.consumers(value);
    if (readers.size() != 2) {
      return null;
    }
    for (int at = 0; at < 2; at++) {
      Node mul = readers.get(1 - at);
      if (!isPlain(mul, "Mul") || mul.inputs().size() != 2) {
        continue;
      }
      List<Node> chain = new ArrayList<>();
      String activation = chain(g, readers.get(at), value, chain);
      if (activation == null) {
        continue;
      }
      String out = chain.get(chain.size() - 1).output(0);
      boolean pair = mul.input(0).equals(value) && mul.input(1).equals(out)
          || mul.input(1).equals(value) && mul.input(0).equals(out);
      if (pair && GraphEdits.soleConsumer(g, out) == mul) {
        return new SelfGate(List.copyOf(chain), mul, activation);
      }
    }
    return null;
  }

  /** Follows the gate from its first node into chain; the fused activation it makes, or null. */
  private static String chain(Graph g, Node first, String value, List<Node> chain) {
    chain.add(first);
    if (isPlain(first, "Sigmoid") && first.inputs().size() == 1) {
      return "SiLU";
    }
    if (isPlain(first, "HardSigmoid") && first.inputs().size() == 1) {
      // torch writes alpha = 1/6 rounded to float; HardSwish's fixed 1/6 is the same float
      boolean hardSwish = first.attrFloat("alpha", 0.2f) == 1f / 6 && first.attrFloat("beta", 0.5f) == 0.5f;
      return hardSwish ? "HardSwish" : null;
    }
    List<Node> relu6 = relu6Sigmoid(g, first, value);
    if (relu6 == null) {
      return null;
    }
    chain.clear();
    chain.addAll(relu6);
    return "HardSwish";
  }

  /**
   * relu6(value + 3) / 6 starting at `add` (HardSigmoid with alpha 1/6 and beta 0.5 as hand-written h_sigmoid
   * modules export it): the Add, the Clip to [0, 6] and the Div by 6 (or Mul by 1/6), each the only reader of the one
   * before; or null.
   */
  public static List<Node> relu6Sigmoid(Graph g, Node add, String value) {
    if (!isPlain(add, "Add") || add.inputs().size() != 2 || !add.inputs().contains(value)
        || !isConstant(g, add, other(add, value), 3f)) {
      return null;
    }
    Node clip = GraphEdits.soleConsumer(g, add.output(0));
    if (clip == null || !isPlain(clip, "Clip") || !clip.input(0).equals(add.output(0)) || !relu6(g, clip)) {
      return null;
    }
    Node scale = GraphEdits.soleConsumer(g, clip.output(0));
    boolean divide = scale != null && isPlain(scale, "Div") && scale.inputs().size() == 2
        && scale.input(0).equals(clip.output(0)) && isConstant(g, scale, 1, 6f);
    boolean multiply = scale != null && isPlain(scale, "Mul") && scale.inputs().size() == 2
        && isConstant(g, scale, other(scale, clip.output(0)), 1f / 6);
    return divide || multiply ? List.of(add, clip, scale) : null;
  }

  /** Clip to [0, 6]: bounds as inputs (opset 11 on) or attributes (before). */
  private static boolean relu6(Graph g, Node clip) {
    if (clip.inputs().size() > 1) {
      return clip.inputs().size() == 3 && isConstant(g, clip, 1, 0f) && isConstant(g, clip, 2, 6f);
    }
    return clip.attrFloat("min", Float.NaN) == 0f && clip.attrFloat("max", Float.NaN) == 6f;
  }

  /** The index of n's input that is not `value` (n has two inputs). */
  private static int other(Node n, String value) {
    return n.input(0).equals(value) ? 1 : 0;
  }

  /** Whether input i of n is a constant scalar equal to v (to float precision). */
  private static boolean isConstant(Graph g, Node n, int i, float v) {
    Float c = i < n.inputs().size() && !n.input(i).isEmpty() ? ConvFusion.scalar(g, n, i, Float.NaN) : null;
    return c != null && Math.abs(c - v) <= 1e-6f * Math.max(1f, Math.abs(v));
  }

  private static boolean isPlain(Node n, String opType) {
    return n.opType().equals(opType) && n.domain().isEmpty();
  }
}

package io.edgewise.model.passes;

import io.edgewise.model.GraphIndex;
import io.edgewise.model.Node;
import java.util.ArrayList;
import java.util.List;

/**
 * value * G(value): an activation that exporters write as a gate on its own input, which one fused activation
 * computes. Sigmoid gives SiLU (EfficientNet, YOLOv5 and v8); HardSigmoid with alpha 1/6 and beta 0.5 gives HardSwish
 * (torch's export of hardswish below opset 14: MobileNetV3), and so does relu6(value + 3) / 6 written Add, Clip(0, 6)
 * and Div by 6 or Mul by 1/6, with the division before the Mul (h_swish modules that call an h_sigmoid) or after it
 * (x * relu6(x + 3) / 6 in one expression). Other gates (HardSigmoid with alpha 0.2) are no activation of ours.
 *
 * @param gate the nodes from the one reading value to the one whose output the Mul reads
 * @param mul the Mul of the value and the gate's output
 * @param after a division by 6 of the Mul's output (x * relu6(x + 3) / 6), or nothing
 * @param activation the FusedConv activation name: SiLU or HardSwish
 */
public record SelfGate(List<Node> gate, Node mul, List<Node> after, String activation) {
  /** Every node of the pattern, in graph order. */
  public List<Node> nodes() {
    List<Node> all = new ArrayList<>(gate);
    all.add(mul);
    all.addAll(after);
    return all;
  }

  /** The node whose output is the activation's. */
  public Node last() {
    return after.isEmpty() ? mul : after.get(after.size() - 1);
  }

  /**
   * The gate on value, or null: exactly two nodes read value, the gate's first node and a Mul reading value and the
   * gate's output once each; every pattern node's output goes only to the next; value is no graph output.
   */
  public static SelfGate find(GraphIndex g, String value) {
    if (g.graph().isOutput(value)) {
      return null;
    }
    List<Node> readers = g.consumers(value);
    if (readers.size() != 2) {
      return null;
    }
    for (int at = 0; at < 2; at++) {
      Node first = readers.get(at);
      Node mul = readers.get(1 - at);
      if (!isPlain(mul, "Mul") || mul.inputs().size() != 2) {
        continue;
      }
      List<Node> chain = fullGate(g, first, value);
      List<Node> after = List.of();
      String activation = chain == null ? null : chain.size() == 1 ? single(first) : "HardSwish";
      if (chain == null) {
        // relu6(x + 3) before the Mul, / 6 after it
        chain = relu6OfPlus3(g, first, value);
        Node post = chain == null ? null : g.soleConsumer(mul.output(0));
        if (post == null || !isSixth(g, post, mul.output(0))) {
          continue;
        }
        after = List.of(post);
        activation = "HardSwish";
      }
      String out = chain.get(chain.size() - 1).output(0);
      boolean pair = mul.input(0).equals(value) && mul.input(1).equals(out)
          || mul.input(1).equals(value) && mul.input(0).equals(out);
      if (activation != null && pair && g.soleConsumer(out) == mul) {
        return new SelfGate(List.copyOf(chain), mul, after, activation);
      }
    }
    return null;
  }

  /** The gate from `first` when it is whole before the Mul (a Sigmoid, a HardSigmoid, relu6(x + 3) / 6), or null. */
  private static List<Node> fullGate(GraphIndex g, Node first, String value) {
    if ((isPlain(first, "Sigmoid") || isPlain(first, "HardSigmoid")) && first.inputs().size() == 1) {
      return List.of(first);
    }
    return relu6Sigmoid(g, first, value);
  }

  /** The activation a one-node gate makes, or null. */
  private static String single(Node n) {
    if (n.opType().equals("Sigmoid")) {
      return "SiLU";
    }
    // torch writes alpha = 1/6 rounded to float; HardSwish's fixed 1/6 is the same float
    return n.attrFloat("alpha", 0.2f) == 1f / 6 && n.attrFloat("beta", 0.5f) == 0.5f ? "HardSwish" : null;
  }

  /**
   * relu6(value + 3) / 6 starting at `add` (HardSigmoid with alpha 1/6 and beta 0.5 as hand-written h_sigmoid
   * modules export it): the Add, the Clip to [0, 6] and the Div by 6 (or Mul by 1/6), each the only reader of the one
   * before; or null.
   */
  public static List<Node> relu6Sigmoid(GraphIndex g, Node add, String value) {
    List<Node> relu6 = relu6OfPlus3(g, add, value);
    Node scale = relu6 == null ? null : g.soleConsumer(relu6.get(1).output(0));
    return scale != null && isSixth(g, scale, relu6.get(1).output(0)) ? List.of(add, relu6.get(1), scale) : null;
  }

  /** The Add of 3 to value and the Clip to [0, 6] that is its only reader, or null. */
  private static List<Node> relu6OfPlus3(GraphIndex g, Node add, String value) {
    if (!isPlain(add, "Add") || add.inputs().size() != 2 || !add.inputs().contains(value)
        || !isConstant(g, add, other(add, value), 3f)) {
      return null;
    }
    Node clip = g.soleConsumer(add.output(0));
    boolean relu6 = clip != null && isPlain(clip, "Clip") && clip.input(0).equals(add.output(0)) && relu6(g, clip);
    return relu6 ? List.of(add, clip) : null;
  }

  /** Whether n is input / 6 or input * (1/6). */
  private static boolean isSixth(GraphIndex g, Node n, String input) {
    if (n.inputs().size() != 2 || !n.inputs().contains(input)) {
      return false;
    }
    return isPlain(n, "Div") && n.input(0).equals(input) && isConstant(g, n, 1, 6f)
        || isPlain(n, "Mul") && isConstant(g, n, other(n, input), 1f / 6);
  }

  /** Clip to [0, 6]: bounds as inputs (opset 11 on) or attributes (before). */
  private static boolean relu6(GraphIndex g, Node clip) {
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
  private static boolean isConstant(GraphIndex g, Node n, int i, float v) {
    Float c = i < n.inputs().size() && !n.input(i).isEmpty() ? ConvFusion.scalar(g, n, i, Float.NaN) : null;
    return c != null && Math.abs(c - v) <= 1e-6f * Math.max(1f, Math.abs(v));
  }

  private static boolean isPlain(Node n, String opType) {
    return n.opType().equals(opType) && n.domain().isEmpty();
  }
}

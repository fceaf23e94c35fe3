package io.edgewise.model.passes;

import io.edgewise.model.Attribute;
import io.edgewise.model.Graph;
import io.edgewise.model.GraphIndex;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a QDQ model's convolutions on the int8 kernels instead of dequantizing: DequantizeLinear(x) and
 * DequantizeLinear(w) [and DequantizeLinear(int32 bias)] -> Conv [-> Relu] -> QuantizeLinear becomes one QLinearConv
 * over the quantized tensors (the rewrite ONNX Runtime's QDQ transformer makes). A Relu is absorbed only where the
 * output zero point is the type's minimum, since the saturation then clamps exactly as the Relu did. The bias must be
 * at scale x_scale * w_scale (what QLinearConv assumes) with zero point 0. Dequantize nodes nobody reads any more go.
 * Runs before constant folding, which would otherwise turn the weights back into float.
 */
public final class QdqConvFusion implements GraphPass {
  @Override
  public int apply(Model model) {
    Graph g = model.graph();
    if (g.nodes().stream().noneMatch(n -> n.opType().equals("QuantizeLinear") && n.domain().isEmpty())) {
      return 0;
    }
    GraphIndex index = g.index();
    List<Node> absorbed = new ArrayList<>();
    int fused = 0;
    for (Node conv : List.copyOf(g.nodes())) {
      if (!conv.opType().equals("Conv") || !conv.domain().isEmpty() || conv.inputs().size() < 2) {
        continue;
      }
      Node dx = dequantize(index, conv.input(0));
      Node dw = dequantize(index, conv.input(1));
      Node db = conv.hasInput(2) && !conv.input(2).isEmpty() ? dequantize(index, conv.input(2)) : null;
      if (dx == null || dw == null || (conv.hasInput(2) && !conv.input(2).isEmpty() && db == null)) {
        continue;
      }
      List<Node> chain = new ArrayList<>();
      String tail = conv.output(0);
      Node next = index.soleConsumer(tail);
      if (next != null && next.opType().equals("Relu") && next.domain().isEmpty()) {
        chain.add(next);
        tail = next.output(0);
        next = index.soleConsumer(tail);
      }
      if (next == null || !next.opType().equals("QuantizeLinear") || !next.domain().isEmpty()
          || next.inputs().size() < 3) {
        continue;
      }
      Node q = next;
      Tensor ys = g.initializers().get(q.input(1));
      Tensor yz = g.initializers().get(q.input(2));
      Tensor xs = constant(g, dx, 1);
      Tensor xz = constant(g, dx, 2);
      Tensor wq = constant(g, dw, 0);
      Tensor ws = constant(g, dw, 1);
      Tensor wz = constant(g, dw, 2);
      if (ys == null || yz == null || xs == null || xz == null || wq == null || ws == null || wz == null
          || ys.size() != 1 || yz.size() != 1 || xs.size() != 1 || xz.size() != 1 || !is8Bit(yz) || !is8Bit(xz)
          || !is8Bit(wq) || wq.shape().rank() != 4 || dw.attrInt("axis", 1) != 0 && ws.size() != 1
          || dw.hasAttr("block_size")) {
        continue;
      }
      if (!chain.isEmpty() && yz.getLong(0) != (yz.dtype() == DType.UINT8 ? 0 : -128)) {
        continue;
      }
      String bias = "";
      if (db != null && (bias = bias(g, db, xs.getDouble(0), ws, wq.shape().dim(0))) == null) {
        continue;
      }
      List<String> inputs = new ArrayList<>(List.of(dx.input(0), dx.input(1), dx.input(2), dw.input(0),
          dw.input(1), dw.input(2), q.input(1), q.input(2)));
      if (!bias.isEmpty()) {
        inputs.add(bias);
      }
      Map<String, Attribute> attrs = new LinkedHashMap<>(conv.attributes());
      Node fusedNode = new Node(conv.name(), "QLinearConv", "", inputs, List.of(q.output(0)), attrs);
      chain.add(q);
      chain.forEach(index::forget);
      index.replace(conv, fusedNode);
      absorbed.addAll(chain);
      fused++;
    }
    GraphEdits.removeNodes(g, absorbed);
    if (fused > 0) {
      GraphEdits.removeDeadNodes(g, "DequantizeLinear");
      g.sortTopologically();
      GraphEdits.removeUnusedInitializers(g);
    }
    return fused;
  }

  private static boolean is8Bit(Tensor t) {
    return t.dtype() == DType.UINT8 || t.dtype() == DType.INT8;
  }

  /** The DequantizeLinear producing a value with all three inputs given, or null. */
  private static Node dequantize(GraphIndex index, String value) {
    Node p = index.producer(value);
    return p != null && p.opType().equals("DequantizeLinear") && p.domain().isEmpty() && p.inputs().size() == 3
        && !p.input(2).isEmpty() ? p : null;
  }

  private static Tensor constant(Graph g, Node n, int i) {
    return g.initializers().get(n.input(i));
  }

  /**
   * The int32 bias QLinearConv can add as it is: the Dequantize's data when its zero point is 0 and its scale is
   * x_scale * w_scale per channel (float32 rounding allowed); null when it is not.
   */
  private static String bias(Graph g, Node db, double xs, Tensor ws, long channels) {
    Tensor b = constant(g, db, 0);
    Tensor s = constant(g, db, 1);
    Tensor z = constant(g, db, 2);
    if (b == null || s == null || z == null || b.dtype() != DType.INT32 || b.size() != channels
        || (s.size() != channels && s.size() != 1) || (db.attrInt("axis", 1) != 0 && s.size() != 1)) {
      return null;
    }
    for (long c = 0; c < channels; c++) {
      if (z.getLong(z.size() == 1 ? 0 : c) != 0) {
        return null;
      }
      double expected = xs * ws.getDouble(ws.size() == 1 ? 0 : c);
      double actual = s.getDouble(s.size() == 1 ? 0 : c);
      if (Math.abs(actual - expected) > 1e-6 * Math.abs(expected)) {
        return null;
      }
    }
    return db.input(0);
  }
}

package io.edgewise.model.passes;

import io.edgewise.model.Graph;
import io.edgewise.model.GraphIndex;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Folds an inference-mode BatchNormalization into the Conv before it: W'[m] = W[m] * s[m], B'[m] = (B[m] - mean[m])
 * * s[m] + beta[m] with s = gamma / sqrt(var + epsilon). Applies when the Conv's output feeds only the BN and every
 * parameter is an initializer.
 */
public final class BatchNormFolding implements GraphPass {
  @Override
  public int apply(Model model) {
    Graph g = model.graph();
    GraphIndex index = g.index();  // look-ups in O(1): a scan of the nodes per Conv was quadratic
    List<Node> removed = new ArrayList<>();
    for (Node conv : List.copyOf(g.nodes())) {
      if (!conv.opType().equals("Conv") || !conv.domain().isEmpty()) {
        continue;
      }
      Node bn = index.soleConsumer(conv.output(0));
      if (bn == null || !bn.opType().equals("BatchNormalization") || !bn.input(0).equals(conv.output(0))
          || bn.outputs().stream().skip(1).anyMatch(o -> !o.isEmpty())
          || model.opset() >= 14 && bn.attrInt("training_mode", 0) == 1
          || model.opset() < 7 && bn.attrInt("is_test", 0) == 0  // opset 6 and older: training unless is_test
          || model.opset() < 9 && bn.attrInt("spatial", 1) == 0) {  // per-activation statistics
        continue;
      }
      Tensor w = g.initializers().get(conv.input(1));
      Tensor b = conv.hasInput(2) ? g.initializers().get(conv.input(2)) : null;
      Tensor[] p = new Tensor[4];
      boolean constant = w != null && w.dtype() == DType.FLOAT32 && (b != null || !conv.hasInput(2));
      for (int i = 0; i < 4 && constant; i++) {
        p[i] = g.initializers().get(bn.input(i + 1));
        constant = p[i] != null;
      }
      if (!constant) {
        continue;
      }
      index.forget(bn);
      fold(index, conv, bn, w, b, p);
      removed.add(bn);
    }
    GraphEdits.removeNodes(g, removed);
    GraphEdits.removeUnusedInitializers(g);
    return removed.size();
  }

  private static void fold(GraphIndex index, Node conv, Node bn, Tensor w, Tensor b, Tensor[] p) {
    Graph g = index.graph();
    double epsilon = bn.attrFloat("epsilon", 1e-5f);
    int m = w.shape().dimInt(0);
    int per = (int) (w.size() / m);
    float[] wv = w.toFloatArray();
    float[] bias = new float[m];
    for (int c = 0; c < m; c++) {
      double s = p[0].getDouble(c) / Math.sqrt(p[3].getDouble(c) + epsilon);
      for (int i = 0; i < per; i++) {
        wv[c * per + i] = (float) (wv[c * per + i] * s);
      }
      double b0 = b == null ? 0 : b.getDouble(c);
      bias[c] = (float) ((b0 - p[2].getDouble(c)) * s + p[1].getDouble(c));
    }
    String wName = index.freshName(conv.input(1) + "_bn_folded");
    g.initializers().put(wName, Tensor.ofFloats(w.shape(), wv));
    String bName = index.freshName((conv.name().isEmpty() ? conv.output(0) : conv.name()) + "_bn_bias");
    g.initializers().put(bName, Tensor.ofFloats(io.edgewise.tensor.Shape.of(m), bias));
    index.setInput(conv, 1, wName);
    if (conv.inputs().size() > 2) {
      index.setInput(conv, 2, bName);
    } else {
      index.addInput(conv, bName);
    }
    index.setOutput(conv, 0, bn.output(0));
  }
}
